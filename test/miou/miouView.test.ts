import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { loadDataset } from '../../src/core/dataset/datasetIndex';
import { cacheFingerprint, MatrixCache } from '../../src/core/metrics/cache';
import { localScorer } from '../../src/core/metrics/evaluateIncremental';
import { historyRecord } from '../../src/core/metrics/history';
import { MiouMessageType, type ResultsMessage } from '../../src/core/miouProtocol';
import { evaluateDataset, modelsOf, resultsMessage, settingsOf, splitPairs, splitsOf } from '../../src/miou/miouResults';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { tempDir } from '../core/dataset/fixtures';
import { generateDataset } from './generate';
import { buildViewBundle, openViewHarness, type ViewHarness } from './viewHarness';

const fs = new NodeFileSystem();
let h: ViewHarness;
let results: ResultsMessage;

const MAPPING = 'classMap: background (0) -> background (0), cell (1) -> cell (1), cat (2) -> unlabeled';

type Win = { posted: Array<Record<string, unknown>>; violations: string[]; savedState: Record<string, unknown> | undefined };

before(async () => {
  const { root } = generateDataset(tempDir({ after }), 40);
  const index = await loadDataset(fs, root);
  const s = settingsOf(index);
  const full = await evaluateDataset(
    fs,
    index,
    'unet',
    new MatrixCache(s.numClasses, s.ignoreIndex, cacheFingerprint(s.classes, s.numClasses, s.ignoreIndex)),
    localScorer(fs, s),
  );
  const older = historyRecord(
    'unet',
    'aaaaaaa1',
    'all',
    { ...full.scores, miou: (full.scores.miou ?? 0) - 0.08, classes: full.scores.classes.map((c) => ({ ...c, iou: c.iou === null ? null : c.iou - 0.1 })) },
    30,
    new Date('2026-01-01'),
  );
  const history = [older, historyRecord('unet', 'bbbbbbb2', 'all', full.scores, 34, new Date('2026-02-01'))];
  const choices = { datasets: [{ key: 'file:///data', name: 'generated' }], models: modelsOf(index), splits: splitsOf(index) };
  const pairs = await splitPairs(fs, index, 'unet', 'all');
  results = resultsMessage(index, full, pairs, {
    selection: { dataset: 'file:///data', model: 'unet', split: 'all' },
    choices,
    history,
    seconds: 0.42,
    classMapping: MAPPING,
  }).message;
  h = await openViewHarness(await buildViewBundle());
  // Structured clone, as VS Code delivers host messages.
  await h.page.evaluate((m) => window.postMessage(m, '*'), JSON.parse(JSON.stringify(results)));
  await h.page.waitForSelector('#class-table tbody tr');
});

after(async () => {
  await h?.close();
});

const posted = () => h.page.evaluate(() => (window as unknown as Win).posted.splice(0));

test('a results message renders the summary, one row per class, the heatmap, the worst images and the history', async () => {
  assert.equal(await h.page.locator('#class-table tbody tr').count(), results.classes.length);
  assert.match((await h.page.textContent('#summary')) ?? '', new RegExp(`${((results.summary.miou ?? 0) * 100).toFixed(2)}%`));
  assert.equal(await h.page.textContent('#class-mapping'), `Class mapping: ${MAPPING}`);
  const box = await h.page.locator('#heatmap').boundingBox();
  assert.ok(box && box.width > 100 && box.height > 80, `heatmap canvas drawn (${JSON.stringify(box)})`);
  assert.equal(await h.page.locator('#worst-list li').count(), Math.min(50, results.images.length));
  assert.equal(await h.page.locator('#worst-list li a').first().textContent(), results.images[0].name);
  assert.ok(((await h.page.locator('#history-chart').boundingBox())?.height ?? 0) > 50);
  assert.equal(await h.page.locator('.compare tbody tr').count(), results.classes.length);
  mkdirSync('.test-artifacts', { recursive: true });
  await h.page.screenshot({ path: '.test-artifacts/miou-view.png', fullPage: true });
  await h.page.setViewportSize({ width: 900, height: 1000 });
  await h.page.waitForTimeout(100);
  await h.page.screenshot({ path: '.test-artifacts/miou-view-wide.png', fullPage: true });
  await h.page.setViewportSize({ width: 360, height: 1100 });
  assert.deepEqual(await h.page.evaluate(() => (window as unknown as Win).violations), []);
});

test('hovering a heatmap cell shows its count; sorting by a column persists with setState', async () => {
  const box = (await h.page.locator('#heatmap').boundingBox())!;
  await h.page.mouse.move(box.x + 22 + 5, box.y + 22 + 5);
  assert.match((await h.page.textContent('#heatmap-tip')) ?? '', /^label background → predicted background: .* px \(\d+(\.\d)?% of the row\)$/);
  await h.page.click('#class-table thead th:nth-child(1) button');
  const names = await h.page.locator('#class-table tbody th').allTextContents();
  assert.deepEqual(
    names,
    [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
  );
  const state = await h.page.evaluate(() => (window as unknown as Win).savedState);
  assert.deepEqual(state?.sort, { key: 'name', descending: false });
});

test('clicking a worst image asks the host to open it with the disagreement layer; Compute and Export post requests', async () => {
  await posted();
  await h.page.click('#worst-list li a >> nth=0');
  await h.page.click('#compute');
  await h.page.click('vscode-button[data-format="csv"]');
  const messages = await posted();
  assert.deepEqual(messages[0], { type: MiouMessageType.OpenImage, name: results.images[0].name, showDisagreement: true });
  assert.equal(messages[1].type, MiouMessageType.Compute);
  assert.deepEqual(messages[2], { type: MiouMessageType.Export, format: 'csv' });
});

test('while a computation runs, progress shows and Compute becomes Cancel', async () => {
  await posted();
  await h.page.evaluate(() => window.postMessage({ type: 'progress', done: 30, total: 120, running: true }, '*'));
  await h.page.waitForFunction(() => document.querySelector('#compute')?.textContent === 'Cancel');
  assert.equal(await h.page.getAttribute('#progress', 'hidden'), null);
  assert.equal(await h.page.textContent('#status'), 'Computing… 30 of 120 images');
  await h.page.click('#compute');
  assert.deepEqual(await posted(), [{ type: MiouMessageType.Cancel }]);
  await h.page.evaluate(() => window.postMessage({ type: 'progress', done: 0, total: 0, running: false }, '*'));
  await h.page.waitForFunction(() => document.querySelector('#compute')?.textContent === 'Compute');
  assert.equal(await h.page.getAttribute('#progress', 'hidden'), '');
});

test('an empty state shows its message, not an error', async () => {
  const message = 'No model predictions yet: prediction masks are read from predictions/<model>/.';
  await h.page.evaluate(
    (m) => window.postMessage({ type: 'empty', version: 1, reason: 'no-predictions', message: m, choices: { datasets: [], models: [], splits: ['all'] } }, '*'),
    message,
  );
  await h.page.waitForSelector('#empty');
  assert.equal(await h.page.textContent('#empty'), message);
  assert.equal(await h.page.locator('#class-table').count(), 0);
});
