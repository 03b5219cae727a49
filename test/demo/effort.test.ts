/**
 * The effort bench in a reduced form (bench/effort.bench.ts runs the whole session): one round of
 * scripts/demo/effort.ts on 12 small demo images with a half-minute budget on the real training
 * service, scored against the generator's true masks, and the chart drawn by the mIoU view's line
 * chart in headless Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderEffortChart } from '../../bench/effortChart';
import { runEffortSession } from '../../scripts/demo/effort';
import { DEMO_CLASSES } from '../../scripts/demo/generate';
import { IGNORE } from '../../scripts/demo/scene';
import { decodeMask } from '../../src/core/mask/codec';
import { TrainingClient } from '../../src/training/client';
import { CHROMIUM_PATH } from '../../scripts/tools/launch';
import { serviceUnavailable, startService, type Service } from '../training/fixtures';

/** Share of the non-ignored true pixels whose pre-label differs, counted here from the files themselves. */
function wrongShare(pairs: Array<[truth: string, prediction: string]>): number {
  let wrong = 0;
  let counted = 0;
  for (const [truth, prediction] of pairs) {
    const gt = decodeMask(readFileSync(truth), { path: truth, classes: DEMO_CLASSES, ignoreIndex: IGNORE }).data;
    const pred = decodeMask(readFileSync(prediction), { path: prediction, classes: DEMO_CLASSES, ignoreIndex: IGNORE }).data;
    assert.equal(pred.length, gt.length, `${prediction}: the size of its image`);
    for (let i = 0; i < gt.length; i++) {
      if (gt[i] === IGNORE) continue;
      counted++;
      if (pred[i] !== gt[i]) wrong++;
    }
  }
  return wrong / counted;
}

describe('the effort session, one round', { skip: serviceUnavailable() }, () => {
  let root: string;
  let service: Service;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'seglab-effort-test-'));
    service = await startService(join(root, 'service'));
  });
  after(async () => {
    await service?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('labels 8 images, fine-tunes, pre-labels the other 4 and scores them against the truth', async () => {
    const lines: string[] = [];
    const rounds = await runEffortSession({
      root,
      client: new TrainingClient(service.url, service.token),
      count: 12,
      size: 128,
      step: 8,
      minutes: 0.5,
      rounds: 1,
      arch: { arch: 'unet', unetBase: 8, unetDepth: 3 },
      log: (line) => lines.push(line),
    });
    assert.equal(rounds.length, 1, lines.join('\n'));
    const [round] = rounds;
    assert.equal(round.labeled, 8);
    assert.equal(round.unlabeled, 4);
    assert.equal(readFileSync(join(root, 'dataset', 'models', `${round.model}.onnx`)).length > 0, true);
    assert.ok(!existsSync(join(root, 'dataset', 'masks', 'cell_008.png')), 'an image not yet labeled has no mask in the dataset');
    const unlabeled = ['cell_008', 'cell_009', 'cell_010', 'cell_011'];
    const pairs = unlabeled.map((s): [string, string] => [join(root, 'truth', `${s}.png`), join(root, 'dataset', 'predictions', round.model, `${s}.png`)]);
    // SegLab's mIoU code scored the pre-labels against the generator's truth: the share counted here.
    const wrong = wrongShare(pairs);
    assert.ok(Math.abs(round.pixelsToCorrect - wrong) < 1e-12, `pixels to correct ${round.pixelsToCorrect} vs ${wrong} counted from the files`);
    assert.ok(wrong > 0 && wrong < 1, `${wrong}\n${lines.join('\n')}`);
    assert.ok(round.miou !== null && round.miou > 0 && round.miou <= 1);

    if (!existsSync(CHROMIUM_PATH)) return;
    const png = join(root, 'effort.png');
    await renderEffortChart(rounds, 'one round', png);
    const bytes = readFileSync(png);
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
    assert.ok(bytes.readUInt32BE(16) > 500 && bytes.readUInt32BE(20) > 200, 'the chart at twice its 520x260 CSS size');
  });
});
