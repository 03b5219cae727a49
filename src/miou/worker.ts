/**
 * mIoU worker thread (bundled to dist/miouWorker.js): reads, hashes, decodes and counts batches
 * of mask pairs, so a full computation never blocks the extension host's main thread.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { FileSystem } from '../core/fileSystem';
import { scoreJob, type ScoreResult } from '../core/metrics/evaluateIncremental';
import { NodeFileSystem } from '../node/nodeFileSystem';
import { useNodeZlib } from '../node/zlibCodec';
import type { BatchReply, BatchRequest } from './workerMessages';
import { errorMessage } from '../core/errors';

useNodeZlib();
const nodeFs = new NodeFileSystem();
/**
 * Blocking reads are fine in a worker and several times cheaper than fs.promises for small
 * files; a failed read is repeated through NodeFileSystem for its error wording.
 */
const fs: Pick<FileSystem, 'readFile'> = {
  readFile: async (path: string) => {
    try {
      return readFileSync(path);
    } catch {
      return nodeFs.readFile(path);
    }
  },
};

parentPort?.on('message', (request: BatchRequest) => {
  void (async () => {
    const results: ScoreResult[] = [];
    for (const job of request.jobs) {
      results.push(await scoreJob(fs, job, request.settings));
    }
    parentPort?.postMessage({ id: request.id, results } satisfies BatchReply);
  })().catch((err: unknown) => parentPort?.postMessage({ id: request.id, error: errorMessage(err) } satisfies BatchReply));
});
