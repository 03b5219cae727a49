/**
 * The pre-labeling worker, except that an image whose name has "crash" in it ends its thread with
 * an uncaught error before the image reaches the session, as a native crash would end it.
 */
import { basename } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { PoolRequest } from '../../src/node/prelabelPool';

// Registered before the worker's own listener, so the throw stops the emit before the image is run.
parentPort?.on('message', (request: PoolRequest) => {
  if (request.type === 'image' && basename(request.imagePath).includes('crash')) throw new Error('simulated crash');
});
void import('../../src/node/prelabelWorker');
