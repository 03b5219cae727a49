// The demo dataset the end-to-end scenarios run on: deterministic, complete, and readable by the core.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseConfig, defaultConfig } from '../../src/core/dataset/config';
import { decodeMask } from '../../src/core/mask/codec';
import { DEMO_CLASSES, generateDemoDataset } from '../../scripts/demo/generate';

const work = mkdtempSync(join(tmpdir(), 'seglab-demo-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const listing = (root: string) =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length))
    .sort();

test('same seed gives the same bytes; another seed differs', async () => {
  const [a, b, c] = ['a', 'b', 'c'].map((name) => join(work, name));
  await generateDemoDataset(a, { seed: 7, count: 5, size: 128 });
  await generateDemoDataset(b, { seed: 7, count: 5, size: 128 });
  await generateDemoDataset(c, { seed: 8, count: 5, size: 128 });
  assert.deepEqual(listing(a), listing(b));
  for (const file of listing(a)) assert.ok(readFileSync(join(a, file)).equals(readFileSync(join(b, file))), file);
  assert.ok(!readFileSync(join(a, 'images/cell_000.jpg')).equals(readFileSync(join(c, 'images/cell_000.jpg'))));
});

test('writes images, masks for the labeled ones, splits and a valid seglab.json', async () => {
  const root = join(work, 'full');
  const summary = await generateDemoDataset(root, { count: 10, size: 128 });
  assert.equal(readdirSync(join(root, 'images')).length, 10);
  assert.deepEqual(
    readdirSync(join(root, 'masks')).sort(),
    summary.labeled.map((s) => `${s}.png`),
  );
  assert.deepEqual(summary.unlabeled, ['cell_004', 'cell_009']);
  const config = parseConfig(readFileSync(join(root, 'seglab.json'), 'utf8'), defaultConfig('x'), 'seglab.json');
  assert.deepEqual(config.classes, DEMO_CLASSES);
  const split = (name: string) => readFileSync(join(root, config.splits[name]), 'utf8').trim().split('\n');
  assert.deepEqual([...split('train'), ...split('val')].sort(), summary.labeled);

  const seen = new Set<number>();
  for (const stem of summary.labeled) {
    const path = join(root, 'masks', `${stem}.png`);
    const mask = decodeMask(readFileSync(path), { path, classes: config.classes });
    assert.equal(mask.width, 128);
    for (const v of mask.data) seen.add(v);
  }
  assert.deepEqual(
    [...seen].sort((x, y) => x - y),
    [0, 1, 2, 3, 255],
  );
});
