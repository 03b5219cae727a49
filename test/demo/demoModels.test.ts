// The committed demo models (scripts/demo/train-models.sh): intact, small, matched to the demo
// dataset's classes, and better than a blank mask on a freshly generated demo image.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_CLASSES, generateDemoDataset } from '../../scripts/demo/generate';
import { parseConfig, defaultConfig } from '../../src/core/dataset/config';
import { decodeMask } from '../../src/core/mask/codec';
import { ConfusionMatrix } from '../../src/core/metrics/confusion';
import { computeScores } from '../../src/core/metrics/scores';
import { parseModelCard } from '../../src/core/model/card';
import { decodeImage, type RgbImage } from '../../src/core/model/image';
import { loadModel } from '../../src/core/model/load';
import { predict } from '../../src/core/model/pipeline';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createBackend } from '../../src/node/onnxBackends';

const MODELS = resolve(__dirname, '../../scripts/demo/models');
const NAMES = ['demo-unet', 'demo-deeplabv3plus'];
const IGNORE = 255;

const work = mkdtempSync(join(tmpdir(), 'seglab-demo-models-'));
after(() => rmSync(work, { recursive: true, force: true }));

function miou(gt: Uint8Array, pred: Uint8Array): number {
  const cm = new ConfusionMatrix(DEMO_CLASSES.length, IGNORE);
  cm.accumulate(gt, pred);
  return computeScores(cm).miou!;
}

describe('demo models', () => {
  let image: RgbImage;
  let gt: Uint8Array;
  let datasetClasses: typeof DEMO_CLASSES;
  before(async () => {
    const root = join(work, 'data');
    await generateDemoDataset(root, { count: 1 });
    image = await decodeImage(readFileSync(join(root, 'images/cell_000.jpg')), 'cell_000.jpg');
    gt = decodeMask(readFileSync(join(root, 'masks/cell_000.png')), { path: 'cell_000.png', classes: DEMO_CLASSES }).data;
    datasetClasses = parseConfig(readFileSync(join(root, 'seglab.json'), 'utf8'), defaultConfig('x'), 'seglab.json').classes;
  });

  for (const name of NAMES) {
    test(`${name}: card matches the file and the demo classes; under 10 MB`, () => {
      const onnx = join(MODELS, `${name}.onnx`);
      const card = parseModelCard(readFileSync(join(MODELS, `${name}.json`), 'utf8'), `${name}.json`);
      assert.equal(card.name, name);
      assert.equal(card.sha256, createHash('sha256').update(readFileSync(onnx)).digest('hex'));
      assert.ok(statSync(onnx).size < 10 * 1024 * 1024, `${statSync(onnx).size} bytes`);
      assert.deepEqual(
        card.classes.map((c) => [c.id, c.name]),
        datasetClasses.map((c) => [c.id, c.name]),
      );
    });

    test(`${name}: prediction on a demo image beats an all-background mask`, async () => {
      const dataset = { classes: DEMO_CLASSES, ignoreIndex: IGNORE, path: 'demo' };
      const m = await loadModel(
        { fs: new NodeFileSystem(), createBackend: (b) => createBackend('cpu', b, { threads: 2 }) },
        join(MODELS, `${name}.onnx`),
        dataset,
      );
      try {
        const { labels } = await predict(image, m.model, m.backend);
        const blank = miou(gt, new Uint8Array(gt.length));
        const model = miou(gt, labels);
        assert.ok(model > blank + 0.2, `model mIoU ${model.toFixed(3)} vs all-background ${blank.toFixed(3)}`);
      } finally {
        await m.backend.release();
      }
    });
  }
});
