/**
 * Pre-labeling worker thread (bundled to dist/prelabelWorker.js): one native ONNX Runtime
 * session of the pool in src/node/prelabelPool.ts. It answers the session's inputs and outputs
 * when ready, runs single inputs for the main thread's model loading (the channel probe), and,
 * once given the resolved model, decodes, predicts and encodes one image at a time with the same
 * predictMask as the single-session path.
 *
 * It ends itself on the pool's close request, after the work in hand and the session are done:
 * a thread terminated while a native run is in flight takes the whole process down (the run's
 * completion callback throws into a dead environment), extension host included.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DataError, errorMessage } from '../core/errors';
import { predictMask } from '../core/model/prelabelDataset';
import { createNativeBackend } from './onnxBackends';
import type { PoolReply, PoolRequest, RunSetup, StartReply, WorkerSetup } from './prelabelPool';
import { useNodeZlib } from './zlibCodec';

useNodeZlib();
const setup = workerData as WorkerSetup;
const backend = createNativeBackend(setup.modelBytes, { threads: setup.threads });
let run: RunSetup | undefined;
let inHand: Promise<unknown> = backend;

backend.then(
  (b) => parentPort?.postMessage({ ready: true, io: b.io } satisfies StartReply),
  (error: unknown) => parentPort?.postMessage({ ready: false, reason: errorMessage(error) } satisfies StartReply),
);

parentPort?.on('message', (request: PoolRequest) => {
  if (request.type === 'close') return void close();
  if (request.type === 'setup') return void (run = request.run);
  const work =
    request.type === 'run'
      ? backend.then((b) => b.run(request.input, request.outputName))
      : backend.then((b) => {
          if (!run) throw new Error('no model: the pool posted an image before its setup');
          return predictMask(request.bytes, request.imagePath, run.model, b, run.config, run.predict);
        });
  inHand = work.then(
    (value) => parentPort?.postMessage({ id: request.id, value } satisfies PoolReply),
    (error: unknown) =>
      parentPort?.postMessage({
        id: request.id,
        error: error instanceof DataError ? { path: error.path, detail: error.detail } : { detail: errorMessage(error) },
      } satisfies PoolReply),
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
