import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset } from '../../src/core/dataset/datasetIndex';
import { cacheFingerprint, MatrixCache } from '../../src/core/metrics/cache';
import { localScorer } from '../../src/core/metrics/evaluateIncremental';
import { miouJson } from '../../src/core/metrics/report';
import { MiouMessageType } from '../../src/core/miouProtocol';
import { describeMapping } from '../../src/core/model/classMapping';
import { MANIFEST_FILE } from '../../src/core/model/manifest';
import {
  emptyState,
  evaluateDataset,
  modelsOf,
  predictionMapping,
  reportText,
  resultsMessage,
  settingsOf,
  splitPairs,
  splitsOf,
} from '../../src/miou/miouResults';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { seglab } from '../cli/run';
import { tempDir } from '../core/dataset/fixtures';
import { generateDataset } from './generate';

const fs = new NodeFileSystem();

test('the view shows the numbers of seglab miou --json, for all images and for a split', async (t) => {
  const { root } = generateDataset(tempDir(t), 30);
  const index = await loadDataset(fs, root);
  const settings = settingsOf(index);
  const cache = new MatrixCache(settings.numClasses, settings.ignoreIndex, cacheFingerprint(settings.classes, settings.numClasses, settings.ignoreIndex));
  const full = await evaluateDataset(fs, index, 'unet', cache, localScorer(fs, settings));
  for (const split of ['all', 'val']) {
    const cli = await seglab('miou', root, ...(split === 'all' ? [] : ['--split', split]), '--json');
    assert.equal(cli.code, 0, cli.stderr);
    const expected = JSON.parse(cli.stdout);
    const choices = { datasets: [{ key: root, name: 'generated' }], models: modelsOf(index), splits: splitsOf(index) };
    const { message, evaluation } = resultsMessage(index, full, await splitPairs(fs, index, 'unet', split), {
      selection: { dataset: root, model: 'unet', split },
      choices,
      history: [],
      seconds: 0,
    });
    assert.deepEqual(miouJson(evaluation), expected, `export JSON = CLI JSON (${split})`);
    assert.equal(message.type, MiouMessageType.Results);
    assert.equal(message.summary.miou, expected.miou);
    assert.equal(message.summary.pixelAccuracy, expected.pixelAccuracy);
    assert.equal(message.summary.meanAccuracy, expected.meanAccuracy);
    assert.equal(message.summary.images, expected.images.length);
    assert.equal(message.summary.missing, expected.missing.length);
    assert.deepEqual(
      message.perClass.map(({ id, iou, accuracy, gtPixels, predPixels }) => ({ id, iou, accuracy, gtPixels, predPixels })),
      expected.classes.map(({ id, iou, accuracy, gtPixels, predPixels }: Record<string, unknown>) => ({ id, iou, accuracy, gtPixels, predPixels })),
    );
    const byName = new Map(expected.images.map((i: { name: string; miou: number }) => [i.name, i.miou]));
    assert.equal(message.images.length, byName.size);
    for (const img of message.images) assert.equal(img.miou, byName.get(img.name));
    assert.ok(
      message.images.every((img, i) => i === 0 || (img.miou ?? 2) >= (message.images[i - 1].miou ?? 2)),
      'worst first',
    );
  }
});

test('datasets without predictions or without labels give a clear empty state', async (t) => {
  const noPred = await loadDataset(fs, generateDataset(tempDir(t), 4, { predicted: false }).root);
  assert.deepEqual(modelsOf(noPred), []);
  assert.equal(emptyState(noPred, undefined)?.reason, 'no-predictions');
  assert.match(emptyState(noPred, undefined)!.message, /predictions\/<model>\//);
  const noLabels = await loadDataset(fs, generateDataset(tempDir(t), 4, { labeled: false }).root);
  assert.equal(emptyState(noLabels, modelsOf(noLabels)[0])?.reason, 'no-labels');
  const both = await loadDataset(fs, generateDataset(tempDir(t), 4).root);
  assert.equal(emptyState(both, 'unet'), undefined);
});

test('the view says how the model classes were mapped, in the words of seglab miou; its JSON export carries it as seglab miou --json', async (t) => {
  const { root } = generateDataset(tempDir(t), 6);
  const index = await loadDataset(fs, root);
  assert.equal(await predictionMapping(fs, index, 'unet'), undefined, 'predictions without a manifest: nothing said');
  // What seglab prelabel records for a card with a classMap: a model class mapped to nothing is unlabeled.
  const mapping = {
    rule: 'classMap',
    classes: [
      { id: 0, name: 'background', to: 0 },
      { id: 1, name: 'cell', to: 1 },
      { id: 2, name: 'cat', to: null },
    ],
  };
  const manifest = { version: 1, model: 'unet', sha256: 'x', mapping, images: {} };
  writeFileSync(join(root, 'predictions', 'unet', MANIFEST_FILE), JSON.stringify(manifest));
  const recorded = await predictionMapping(fs, index, 'unet');
  assert.deepEqual(recorded, mapping);
  // As the session words it for the view.
  const words = describeMapping(recorded!, index.config);
  assert.equal(words, 'classMap: background (0) -> background (0), cell (1) -> cell (1), cat (2) -> unlabeled');
  const cli = await seglab('miou', root, '--model', 'unet', '--json');
  assert.equal(cli.code, 0, cli.stderr);
  assert.ok(cli.stderr.includes(`the predictions' classes: ${words}`), cli.stderr);
  const settings = settingsOf(index);
  const cache = new MatrixCache(settings.numClasses, settings.ignoreIndex, cacheFingerprint(settings.classes, settings.numClasses, settings.ignoreIndex));
  const full = await evaluateDataset(fs, index, 'unet', cache, localScorer(fs, settings));
  const choices = { datasets: [{ key: root, name: 'generated' }], models: modelsOf(index), splits: splitsOf(index) };
  const selection = { dataset: root, model: 'unet', split: 'all' };
  const { message, evaluation } = resultsMessage(index, full, await splitPairs(fs, index, 'unet', 'all'), {
    selection,
    choices,
    history: [],
    seconds: 0,
    classMapping: words,
  });
  assert.equal(message.classMapping, words);
  const shown = { index, message, evaluation, mapping: recorded };
  assert.deepEqual(JSON.parse(reportText(shown, 'json')), JSON.parse(cli.stdout), 'the JSON export is seglab miou --json, classMapping included');
  assert.ok(reportText(shown, 'markdown').includes(`Class mapping: ${words}.`));
});
