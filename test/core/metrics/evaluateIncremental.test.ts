import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { numClassesOf } from '../../../src/core/classes';
import { datasetPairs } from '../../../src/core/dataset/evaluate';
import { loadDataset } from '../../../src/core/dataset/datasetIndex';
import { MatrixCache, cacheFingerprint, loadMatrixCache, saveMatrixCache } from '../../../src/core/metrics/cache';
import { evaluateFresh, evaluateIncremental, localScorer, restrictTo, type ScoreSettings } from '../../../src/core/metrics/evaluateIncremental';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { tempDir, writeFile } from '../dataset/fixtures';
import { editMask, generateDataset } from '../../miou/generate';

const fs = new NodeFileSystem();

async function setup(t: Parameters<typeof tempDir>[0], count = 24) {
  const { root, stems } = generateDataset(tempDir(t), count);
  const index = await loadDataset(fs, root);
  const settings: ScoreSettings = { classes: index.config.classes, numClasses: numClassesOf(index.config.classes), ignoreIndex: index.config.ignoreIndex };
  const fresh = () => new MatrixCache(settings.numClasses, settings.ignoreIndex, cacheFingerprint(settings.classes, settings.numClasses, settings.ignoreIndex));
  return { root, stems, index, settings, fresh };
}

/** The fields both evaluations share, as plain data. */
const plain = (e: { scores: unknown; images: unknown; missing: unknown; problems: unknown; matrix: { toJSON(): unknown } }) => ({
  scores: e.scores,
  images: e.images,
  missing: e.missing,
  problems: e.problems,
  matrix: e.matrix.toJSON(),
});

test('a full run restricted to a split equals a fresh run over the split', async (t) => {
  const { index, settings, fresh } = await setup(t);
  const pairs = await datasetPairs(fs, index, { model: 'unet' });
  const full = await evaluateIncremental(pairs, fresh(), localScorer(fs, settings), { settings });
  assert.equal(full.rescored, pairs.filter((p) => p.pred).length);
  assert.ok(full.missing.length > 0 && full.images.length > 0);
  const val = await datasetPairs(fs, index, { model: 'unet', split: 'val' });
  assert.deepEqual(plain(restrictTo(full, val, settings)), plain(await evaluateFresh(fs, val, settings)));
});

test('after editing one mask, an incremental run rescoring only it equals a full recomputation', async (t) => {
  const { root, stems, index, settings, fresh } = await setup(t);
  const pairs = await datasetPairs(fs, index, { model: 'unet' });
  const cache = fresh();
  const before = await evaluateIncremental(pairs, cache, localScorer(fs, settings), { settings });
  editMask(root, stems[2]);
  const after = await evaluateIncremental(pairs, cache, localScorer(fs, settings), { settings, changed: new Set([stems[2]]) });
  assert.equal(after.rescored, 1);
  assert.notEqual(after.scores.miou, before.scores.miou);
  assert.deepEqual(plain(after), plain(await evaluateFresh(fs, pairs, settings)));
  // A full check with a warm cache decodes nothing new but still finds the same numbers.
  const again = await evaluateIncremental(pairs, cache, localScorer(fs, settings), { settings });
  assert.deepEqual(plain(again), plain(after));
});

test('the cache survives a save and load through the FileSystem; other classes discard it', async (t) => {
  const { root, index, settings, fresh } = await setup(t, 8);
  const pairs = await datasetPairs(fs, index, { model: 'unet' });
  const cache = fresh();
  const first = await evaluateIncremental(pairs, cache, localScorer(fs, settings), { settings });
  const path = join(root, '.seglab', 'miou', 'unet.cache.json');
  await saveMatrixCache(fs, path, cache);
  const loaded = await loadMatrixCache(fs, path, settings.numClasses, settings.ignoreIndex, cache.fingerprint);
  assert.equal(loaded.size, cache.size);
  const second = await evaluateIncremental(pairs, loaded, localScorer(fs, settings), { settings, changed: new Set() });
  assert.equal(second.rescored, 0);
  assert.deepEqual(plain(second), plain(first));
  assert.equal((await loadMatrixCache(fs, path, settings.numClasses, settings.ignoreIndex, 'other')).size, 0);
  writeFile(path, '{"version":1,');
  await assert.rejects(
    loadMatrixCache(fs, path, settings.numClasses, settings.ignoreIndex, cache.fingerprint),
    new RegExp(`^DataError: ${path}: not valid JSON`),
  );
});

test('an unreadable prediction is a problem, retried on the next run, and does not poison the cache', async (t) => {
  const { root, stems, index, settings, fresh } = await setup(t, 8);
  writeFile(join(root, 'predictions', 'unet', `${stems[0]}.png`), 'garbage');
  const pairs = await datasetPairs(fs, index, { model: 'unet' });
  const cache = fresh();
  const e = await evaluateIncremental(pairs, cache, localScorer(fs, settings), { settings });
  assert.deepEqual(
    e.problems.map((p) => p.kind),
    ['unreadable-mask'],
  );
  assert.equal(cache.get(stems[0]), undefined);
  assert.deepEqual(plain(e), plain(await evaluateFresh(fs, pairs, settings)));
  const again = await evaluateIncremental(pairs, cache, localScorer(fs, settings), { settings, changed: new Set() });
  assert.equal(again.rescored, 1);
});
