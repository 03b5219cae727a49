import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classPixels, confidenceStats, readManifest, uncertainOrder, writeManifest, type PredictionManifest } from '../../src/core/model/manifest';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { tempDir, writeFile } from '../core/dataset/fixtures';
import { join } from 'node:path';

const record = (meanConfidence: number, uncertainFraction = 0) => ({ sha256: 'a', meanConfidence, uncertainFraction });

test('confidence statistics: mean and share of pixels below one half', () => {
  assert.deepEqual(confidenceStats(new Uint8Array([255, 255, 0, 127])), { meanConfidence: 637 / 4 / 255, uncertainFraction: 0.5 });
});

test('class pixels: a count for each value that occurs, the ignore index too', () => {
  assert.deepEqual(classPixels(new Uint8Array([0, 2, 2, 255, 2])), { 0: 1, 2: 3, 255: 1 });
});

test('uncertain order: least confident first, ties by uncertain share then name; exclusions dropped', () => {
  const m: PredictionManifest = { version: 1, model: 'm', sha256: 'a', images: { c: record(0.9), a: record(0.5, 0.1), b: record(0.5, 0.3), d: record(0.2) } };
  assert.deepEqual(uncertainOrder(m), ['d', 'b', 'a', 'c']);
  assert.deepEqual(uncertainOrder(m, new Set(['d', 'a'])), ['b', 'c']);
});

test('manifest round trip; a corrupt manifest reads as empty', async (t) => {
  const dir = tempDir(t);
  const fs = new NodeFileSystem();
  const m: PredictionManifest = { version: 1, model: 'm', sha256: 'f'.repeat(64), images: { x: record(0.7) } };
  await writeManifest(fs, dir, m);
  assert.deepEqual(await readManifest(fs, dir, 'm', 'f'.repeat(64)), m);
  writeFile(join(dir, '.seglab-model.json'), '{"version": 1, "images": ');
  assert.deepEqual((await readManifest(fs, dir, 'm', 'b')).images, {});
});
