import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfusionMatrix } from '../../../src/core/metrics/confusion';
import { appendHistory, compareRecords, historyRecord, loadHistory, modelHash } from '../../../src/core/metrics/history';
import { computeScores } from '../../../src/core/metrics/scores';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { tempDir, writeFile } from '../dataset/fixtures';

const fs = new NodeFileSystem();
const classes = [
  { id: 0, name: 'bg', color: [0, 0, 0] as [number, number, number] },
  { id: 1, name: 'fg', color: [255, 0, 0] as [number, number, number] },
];

function scoresOf(gt: number[], pred: number[]) {
  const cm = new ConfusionMatrix(2);
  cm.accumulate(new Uint8Array(gt), new Uint8Array(pred));
  return computeScores(cm, classes);
}

test('history round trip: records append, a recomputed version replaces its point, writes are atomic', async (t) => {
  const path = join(tempDir(t), '.seglab', 'miou-history.json');
  const h1 = await modelHash([
    ['a', 'x'],
    ['b', 'y'],
  ]);
  assert.equal(
    h1,
    await modelHash([
      ['b', 'y'],
      ['a', 'x'],
    ]),
    'order-independent',
  );
  assert.notEqual(
    h1,
    await modelHash([
      ['a', 'x'],
      ['b', 'z'],
    ]),
  );
  const r1 = historyRecord('unet', h1, 'all', scoresOf([0, 0, 1, 1], [0, 1, 1, 1]), 1, new Date('2026-01-01T00:00:00Z'));
  const r2 = historyRecord('unet', 'h2', 'all', scoresOf([0, 0, 1, 1], [0, 0, 1, 1]), 1, new Date('2026-01-02T00:00:00Z'));
  await appendHistory(fs, path, r1);
  await appendHistory(fs, path, r2);
  const again = { ...r1, date: '2026-01-03T00:00:00.000Z' };
  const records = await appendHistory(fs, path, again);
  assert.deepEqual(records, [r2, again]);
  assert.deepEqual(await loadHistory(fs, path), [r2, again]);
  assert.deepEqual(readdirSync(join(path, '..')), ['miou-history.json'], 'no temporary files left');
  assert.equal(r1.miou, (1 / 2 + 2 / 3) / 2);
});

test('a malformed history is an error naming the file and is not overwritten', async (t) => {
  const path = join(tempDir(t), 'miou-history.json');
  writeFile(path, JSON.stringify({ version: 1, records: [{ model: 'm' }] }));
  const record = historyRecord('m', 'h', 'all', scoresOf([0], [0]), 1);
  await assert.rejects(appendHistory(fs, path, record), (err: Error) => err.message === `${path}: record 1 is malformed`);
  assert.match(readFileSync(path, 'utf8'), /"model":"m"/);
  writeFile(path, 'nope');
  await assert.rejects(loadHistory(fs, path), (err: Error) => err.message.startsWith(`${path}: not valid JSON`));
  assert.deepEqual(await loadHistory(fs, join(path, '..', 'absent.json')), []);
});

test('two models compared class by class', () => {
  const a = historyRecord('a', 'h', 'all', scoresOf([0, 0, 1, 1], [0, 1, 1, 1]), 1);
  const b = historyRecord('b', 'h', 'all', scoresOf([0, 0, 1, 1], [1, 1, 1, 1]), 1);
  assert.deepEqual(compareRecords(a, b), [
    { id: 0, name: 'bg', a: 1 / 2, b: 0, delta: -1 / 2 },
    { id: 1, name: 'fg', a: 2 / 3, b: 1 / 2, delta: 1 / 2 - 2 / 3 },
  ]);
});
