/**
 * seglab noc on the known-answer SAM-signature pair (scripts/models/build_promptable_models.py),
 * whose best mask is the pixels within 20 frame units of the positive points (none within 20 of a
 * negative one). On a 512x300 image the frame is 2x the image, so each positive click selects the
 * disc d < 10 around it: 305 pixels. The NoC values below follow from that by hand.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { encode } from 'fast-png';
import { parse } from '../../src/cli/args';
import { nocCommand } from '../../src/cli/commands/noc';
import type { Io } from '../../src/cli/output';
import { useNodeZlib } from '../../src/node/zlibCodec';
import { indexedMask, tempDir, writeFile } from '../core/dataset/fixtures';
import { samTestCard } from '../model/promptable/fixtures';
import { promptableModelsDir } from '../model/testModels';
import { seglab } from './run';

before(async () => {
  useNodeZlib();
  await promptableModelsDir();
});

const W = 512;
const H = 300;
const DISC = 305; // pixels with dx² + dy² < 100

/**
 * Class 1 (cell): A, a disc d < 10 around (100, 100); B, discs around (250, 100) and (250, 180)
 * joined by a 1-pixel bridge down column 250 (y 110-170, 61 pixels); a 5x5 square (too small).
 * Class 2 (square): C, a 40x40 square x 350-389, y 50-89. Ignore (255): a band of rows 280-289.
 */
function scene(): { labels: Uint8Array; rgb: Uint8Array } {
  const labels = new Uint8Array(W * H);
  const disc = (cx: number, cy: number) => {
    for (let y = cy - 9; y <= cy + 9; y++) for (let x = cx - 9; x <= cx + 9; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < 100) labels[y * W + x] = 1;
  };
  const rect = (x0: number, y0: number, x1: number, y1: number, v: number) => {
    for (let y = y0; y <= y1; y++) labels.fill(v, y * W + x0, y * W + x1 + 1);
  };
  disc(100, 100);
  disc(250, 100);
  disc(250, 180);
  rect(250, 110, 250, 170, 1);
  rect(20, 20, 24, 24, 1);
  rect(350, 50, 389, 89, 2);
  rect(0, 280, W - 1, 289, 255);
  // Each class its own colour in the image, far apart: the wand selects each target whole.
  const colours = [
    [40, 40, 40],
    [220, 200, 60],
    [60, 120, 230],
  ];
  const rgb = new Uint8Array(W * H * 3);
  labels.forEach((v, i) => rgb.set(colours[v === 255 ? 0 : v], 3 * i));
  return { labels, rgb };
}

function dataset(root: string): void {
  const classes = [
    { id: 0, name: 'background', color: [0, 0, 0] },
    { id: 1, name: 'cell', color: [255, 0, 0] },
    { id: 2, name: 'square', color: [0, 0, 255] },
  ];
  writeFile(join(root, 'seglab.json'), JSON.stringify({ classes, splits: { train: 'train.txt', val: 'val.txt' } }));
  writeFile(join(root, 'val.txt'), 'scene\n');
  writeFile(join(root, 'train.txt'), 'other\n');
  const { labels, rgb } = scene();
  for (const stem of ['scene', 'other']) {
    writeFile(join(root, 'images', `${stem}.png`), encode({ width: W, height: H, data: rgb, channels: 3, depth: 8 }));
    writeFile(join(root, 'masks', `${stem}.png`), indexedMask(W, H, labels));
  }
}

async function noc(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), errIsTty: false };
  const code = await nocCommand.run(parse(args, nocCommand.options), io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

test('seglab noc on the known-answer pair gives the hand-computed NoC, NoF, clicks and IoUs', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'data');
  dataset(root);
  const card = await samTestCard(dir);
  const r = await noc(root, '--model', card, '--split', 'val', '--max-clicks', '3', '--threads', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.method, { kind: 'promptable', name: 'sam-test', card });
  assert.deepEqual([j.images, j.thresholds, j.maxClicks], [1, [0.85, 0.9], 3]);
  const [a, b, c] = j.targets;
  assert.equal(j.targets.length, 3);
  // A: the click at the disc's centre selects the disc itself.
  assert.deepEqual([a.className, a.area, a.clicks[0], a.ious, a.noc], ['cell', DISC, [100, 100, 1], [1, 1, 1], [1, 1]]);
  // B: both centres are 10 from the outside; (250, 100) comes first in row-major order. What is
  // left (disc 2 and the bridge) is one missed region whose deepest pixel is the second centre.
  assert.equal(b.area, 2 * DISC + 61);
  assert.deepEqual(b.clicks.slice(0, 2), [
    [250, 100, 1],
    [250, 180, 1],
  ]);
  assert.ok(Math.abs(b.ious[0] - DISC / (2 * DISC + 61)) < 1e-12);
  assert.ok(Math.abs(b.ious[1] - (2 * DISC) / (2 * DISC + 61)) < 1e-12); // 0.909
  assert.deepEqual(b.noc, [2, 2]);
  // C: the square's deepest pixels tie at x, y in {369, 370} x {69, 70}: (369, 69); three discs
  // cover at most 3 * 305 of its 1600 pixels, so IoU stays below 0.6: NoC = max-clicks, never 90 %.
  assert.deepEqual([c.className, c.area, c.clicks[0]], ['square', 1600, [369, 69, 1]]);
  assert.ok(Math.abs(c.ious[0] - DISC / 1600) < 1e-12);
  assert.ok(c.ious.every((v: number) => v < 0.6));
  assert.deepEqual(c.noc, [3, 3]);
  assert.deepEqual(j.overall.noc, [2, 2]);
  assert.deepEqual(j.overall.nof, [1 / 3, 1 / 3]);
  assert.deepEqual(
    j.classes.map((x: { id: number; noc: number[]; nof: number[] }) => [x.id, x.noc, x.nof]),
    [
      [1, [1.5, 1.5], [0, 0]],
      [2, [3, 3], [1, 1]],
    ],
  );
  assert.ok(Math.abs(j.overall.meanIou[0] - (1 + DISC / (2 * DISC + 61) + DISC / 1600) / 3) < 1e-12);
});

test('seglab noc --wand: the baseline on the same scene selects each uniformly coloured target in one click', async (t) => {
  const root = join(tempDir(t), 'data');
  dataset(root);
  const r = await noc(root, '--wand', '--max-clicks', '2', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.method, { kind: 'wand', tolerance: 32 });
  // Both images (no --split): 3 targets each.
  assert.equal(j.images, 2);
  assert.equal(j.targets.length, 6);
  assert.deepEqual(j.overall.noc, [1, 1]);
  assert.deepEqual(j.overall.meanIou, [1, 1]);
  // --min-area 2000 leaves no target: exit 1, saying why.
  const none = await noc(root, '--wand', '--min-area', '2000');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no target .*2000 pixels in 2 labeled images/);
});

test('seglab noc: an unreadable mask is a problem (exit 1), the other images are still measured', async (t) => {
  const root = join(tempDir(t), 'data');
  dataset(root);
  writeFile(join(root, 'images', 'broken.png'), encode({ width: 4, height: 4, data: new Uint8Array(48), channels: 3, depth: 8 }));
  writeFile(join(root, 'masks', 'broken.png'), new Uint8Array([1, 2, 3]));
  const r = await noc(root, '--wand', '--max-clicks', '1', '--json');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /broken\.png: unreadable-mask: /);
  const j = JSON.parse(r.stdout);
  assert.equal(j.targets.length, 6);
  assert.deepEqual(
    j.problems.map((p: { kind: string }) => p.kind),
    ['unreadable-mask'],
  );
});

test('seglab noc: usage errors exit 2, a table without --json', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'data');
  dataset(root);
  const both = await seglab('noc', root, '--wand', '--model', 'x.json', '--json');
  assert.equal(both.code, 2);
  assert.match(JSON.parse(both.stdout).error, /--model <card.json> or --wand/);
  assert.equal((await seglab('noc', root, '--wand', '--targets', '0.9,1.5')).code, 2);
  assert.equal((await seglab('noc', root, '--wand', '--split', 'test')).code, 2);
  assert.equal((await seglab('noc', root, '--model', join(dir, 'missing.json'))).code, 2);
  // A card that is no promptable card: exit 2, naming the card and the field.
  const badCard = join(dir, 'unet.json');
  writeFile(badCard, JSON.stringify({ kind: 'segmentation' }));
  const bad = await seglab('noc', root, '--model', badCard, '--json');
  assert.equal(bad.code, 2);
  assert.equal(JSON.parse(bad.stdout).file, badCard);
  assert.match(JSON.parse(bad.stdout).error, /^kind: expected "promptable"/);
  const text = await seglab('noc', root, '--wand', '--split', 'val', '--max-clicks', '3');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /NoC@85\s+NoC@90\s+NoF@85\s+NoF@90\s+IoU@1\s+IoU@2\s+IoU@3/);
  assert.match(text.stdout, /^all\s+3\s+1\.00\s+1\.00\s+0\.0%\s+0\.0%\s+1\.000/m);
});
