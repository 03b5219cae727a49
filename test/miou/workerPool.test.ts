import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadDataset } from '../../src/core/dataset/datasetIndex';
import { numClassesOf } from '../../src/core/classes';
import { datasetPairs } from '../../src/core/dataset/evaluate';
import { cacheFingerprint, MatrixCache } from '../../src/core/metrics/cache';
import { evaluateIncremental, localScorer, type ScoreSettings } from '../../src/core/metrics/evaluateIncremental';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { WorkerPool } from '../../src/miou/workerPool';
import { tempDir, writeFile } from '../core/dataset/fixtures';
import { generateDataset } from './generate';
import { workerBundle } from './workerBundle';

const fs = new NodeFileSystem();
let pool: WorkerPool | undefined;
after(() => pool?.dispose());

async function setup(t: Parameters<typeof tempDir>[0]) {
  const { root, stems } = generateDataset(tempDir(t), 60);
  writeFile(join(root, 'predictions', 'unet', `${stems[1]}.png`), 'not a png');
  const index = await loadDataset(fs, root);
  const settings: ScoreSettings = { classes: index.config.classes, numClasses: numClassesOf(index.config.classes), ignoreIndex: index.config.ignoreIndex };
  const cache = () => new MatrixCache(settings.numClasses, settings.ignoreIndex, cacheFingerprint(settings.classes, settings.numClasses, settings.ignoreIndex));
  pool ??= new WorkerPool(await workerBundle(), 2);
  return { pairs: await datasetPairs(fs, index, { model: 'unet' }), settings, cache };
}

test('the worker pool gives the single-thread result, problems included, with progress', async (t) => {
  const { pairs, settings, cache } = await setup(t);
  const progress: number[] = [];
  const viaPool = await evaluateIncremental(pairs, cache(), pool!.scorer(settings), { settings, onProgress: (done) => progress.push(done) });
  const local = await evaluateIncremental(pairs, cache(), localScorer(fs, settings), { settings });
  assert.deepEqual({ ...viaPool, matrix: viaPool.matrix.toJSON(), perImage: undefined }, { ...local, matrix: local.matrix.toJSON(), perImage: undefined });
  assert.deepEqual(
    viaPool.problems.map((p) => p.kind),
    ['unreadable-mask'],
  );
  const scored = pairs.filter((p) => p.pred).length;
  assert.equal(progress.at(-1), scored);
  assert.ok(progress.length > 1 && progress.every((v, i) => i === 0 || v > progress[i - 1]));
});

test('an abort rejects at once and the pool keeps working', async (t) => {
  const { pairs, settings, cache } = await setup(t);
  const abort = new AbortController();
  const run = evaluateIncremental(pairs, cache(), pool!.scorer(settings), {
    settings,
    signal: abort.signal,
    onProgress: () => abort.abort(new Error('cancelled by test')),
  });
  await assert.rejects(run, /cancelled by test/);
  const again = await evaluateIncremental(pairs, cache(), pool!.scorer(settings), { settings });
  assert.equal(again.images.length, pairs.filter((p) => p.pred).length - 1);
});
