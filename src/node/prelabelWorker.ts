/**
 * Pre-labeling worker thread (bundled to dist/prelabelWorker.js): one native ONNX Runtime
 * session of the pool in src/node/prelabelPool.ts; it decodes, predicts and encodes one image at
 * a time with the same predictMask as the single-session path.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DataError, errorMessage } from '../core/errors';
import { predictMask } from '../core/model/prelabelDataset';
import { createNativeBackend } from './onnxBackends';
import type { ImageReply, ImageRequest, WorkerSetup } from './prelabelPool';
import { useNodeZlib } from './zlibCodec';

useNodeZlib();
const setup = workerData as WorkerSetup;

void createNativeBackend(setup.modelBytes, { threads: setup.threads }).then(
  (backend) => {
    parentPort?.on('message', (request: ImageRequest) => {
      predictMask(request.bytes, request.imagePath, setup.model, backend, setup.config, setup.predict).then(
        (m) => parentPort?.postMessage({ id: request.id, prediction: m } satisfies ImageReply),
        (error: unknown) =>
          parentPort?.postMessage({
            id: request.id,
            error: error instanceof DataError ? { path: error.path, detail: error.detail } : { detail: errorMessage(error) },
          } satisfies ImageReply),
      );
    });
    parentPort?.postMessage({ ready: true });
  },
  (error: unknown) => parentPort?.postMessage({ ready: false, reason: errorMessage(error) }),
);
