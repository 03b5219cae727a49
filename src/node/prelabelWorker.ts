/**
 * Pre-labeling worker thread (bundled to dist/prelabelWorker.js): one native ONNX Runtime
 * session of the pool in src/node/prelabelPool.ts; it decodes, predicts and encodes one image at
 * a time with the same predictMask as the single-session path.
 *
 * It ends itself on the pool's close request, after the image in hand and the session are done:
 * a thread terminated while a native run is in flight takes the whole process down (the run's
 * completion callback throws into a dead environment), extension host included.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DataError, errorMessage } from '../core/errors';
import { predictMask } from '../core/model/prelabelDataset';
import { createNativeBackend } from './onnxBackends';
import type { ImageReply, PoolRequest, WorkerSetup } from './prelabelPool';
import { useNodeZlib } from './zlibCodec';

useNodeZlib();
const setup = workerData as WorkerSetup;
const backend = createNativeBackend(setup.modelBytes, { threads: setup.threads });
let inHand: Promise<unknown> = backend;

backend.then(
  () => parentPort?.postMessage({ ready: true }),
  (error: unknown) => parentPort?.postMessage({ ready: false, reason: errorMessage(error) }),
);

parentPort?.on('message', (request: PoolRequest) => {
  if (request.type === 'close') return void close();
  inHand = backend
    .then((b) => predictMask(request.bytes, request.imagePath, setup.model, b, setup.config, setup.predict))
    .then(
      (m) => parentPort?.postMessage({ id: request.id, prediction: m } satisfies ImageReply),
      (error: unknown) =>
        parentPort?.postMessage({
          id: request.id,
          error: error instanceof DataError ? { path: error.path, detail: error.detail } : { detail: errorMessage(error) },
        } satisfies ImageReply),
    );
});

async function close(): Promise<void> {
  await inHand.catch(() => undefined);
  await backend.then(
    (b) => b.release(),
    () => undefined,
  );
  process.exit(0);
}
