/**
 * SegLab's click model (family "clicks") through the promptable runtime: the zoom-in crop rule,
 * and a known answer — a tiny model exported by the trainer's own code, run by onnxruntime-node
 * through loadNativePromptable / encodeImage / decodePrompt, against PyTorch's inputs and answers
 * for the same clicks (scripts/models/build_click_test_model.py).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeImage } from '../../src/core/model/image';
import { parsePromptableCard, type ClicksCard } from '../../src/core/model/promptable/card';
import { clickModelInput, cropBox, normalisedPlanes, respectClicks, toCrop, toImage } from '../../src/core/model/promptable/clicks';
import { decodePrompt, encodeImage, previousFromMask } from '../../src/core/model/promptable/predictor';
import type { PreviousMask } from '../../src/core/model/promptable/selection';
import { promptableSegmenter } from '../../src/core/interactive/segmenters';
import { decodeMask } from '../../src/core/mask/codec';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { useNodeZlib } from '../../src/node/zlibCodec';
import { seglabWithInput } from '../cli/run';
import { tempDir } from '../core/dataset/fixtures';
import { clickTestModelDir } from '../model/testModels';

interface Step {
  clicks: [number, number, boolean][];
  box: { left: number; top: number; side: number };
  selected: number;
}

const crop = { size: 64, expand: 1.4, minSide: 40 };
const MASK_CLASSES = [
  { id: 0, name: 'background', color: [0, 0, 0] as [number, number, number] },
  { id: 1, name: 'selected', color: [255, 255, 255] as [number, number, number] },
];
const readBin = <T>(path: string, make: (b: ArrayBuffer) => T): T => {
  const bytes = readFileSync(path);
  return make(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

test('the crop box: the square around the clicks and the previous mask, expanded, at least minSide', () => {
  assert.deepEqual(cropBox([{ x: 10, y: 12, positive: true }], undefined, 50, crop), { left: -10, top: -8, side: 40 });
  assert.deepEqual(
    cropBox(
      [
        { x: 10, y: 12, positive: true },
        { x: 30, y: 20, positive: false },
      ],
      undefined,
      50,
      { ...crop, minSide: 20 },
    ),
    {
      left: 5,
      top: 1,
      side: 30,
    },
  );
  const previous = new Uint8Array(50 * 50);
  for (let y = 40; y < 45; y++) for (let x = 2; x < 4; x++) previous[y * 50 + x] = 1;
  // as backend/tests/test_interactive.py: the mask's rows 40-44 widen the box to 33 rows: side ceil(1.4 * 33)
  assert.deepEqual(cropBox([{ x: 10, y: 12, positive: true }], previous, 50, { ...crop, minSide: 20 }), { left: -17, top: 5, side: 47 });
});

test('respectClicks: clicked pixels take their labels, regions without a positive click are cleared', () => {
  const rows = ['##..##.', '##..##.', '.......', '.#.....', '.......'];
  const [w, h] = [7, 5];
  const mask = Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0));
  const clicks = [
    { x: 0, y: 0, positive: true }, // keeps the top-left block
    { x: 1, y: 1, positive: false }, // ...less this pixel, still connected through (1, 0) and (0, 1)
    { x: 6, y: 4, positive: true }, // an unselected pixel: selected, alone
    { x: 6, y: 3, positive: false },
  ];
  respectClicks(mask, w, h, clicks, { left: -2, top: -2, side: 12 });
  const out = Array.from({ length: h }, (_, y) => Array.from(mask.subarray(y * w, (y + 1) * w), (v) => (v ? '#' : '.')).join(''));
  assert.deepEqual(out, ['##.....', '#......', '.......', '.......', '......#']);
  // A positive click that a later negative click on the same pixel overrides keeps nothing.
  const one = Uint8Array.from([1, 1, 1]);
  respectClicks(
    one,
    3,
    1,
    [
      { x: 1, y: 0, positive: true },
      { x: 1, y: 0, positive: false },
    ],
    { left: 0, top: 0, side: 3 },
  );
  assert.deepEqual([...one], [0, 0, 0]);
});

test('coordinates round-trip through the crop', () => {
  const box = { left: -17, top: 5, side: 47 };
  for (const [x, y] of [
    [0, 0],
    [5.5, 7.25],
    [33, 1],
    [-17, 52],
  ]) {
    const [u, v] = toCrop(x, y, box, 64);
    const [bx, by] = toImage(u, v, box, 64);
    assert.ok(Math.abs(bx - x) < 1e-9 && Math.abs(by - y) < 1e-9, `(${x}, ${y}) -> (${u}, ${v}) -> (${bx}, ${by})`);
  }
  assert.deepEqual(toCrop(-17, 5, box, 64), [0, 0]);
  assert.deepEqual(toCrop(30, 52, box, 64), [64, 64]);
});

test('the click model runs as PyTorch runs it: same model input, same selection, click after click', async () => {
  const dir = await clickTestModelDir();
  const refs = JSON.parse(readFileSync(join(dir, 'references.json'), 'utf8')) as { width: number; height: number; steps: Step[] };
  const model = await loadNativePromptable(join(dir, 'model.json'), 1);
  try {
    assert.equal(model.card.family, 'clicks');
    assert.equal(model.encoder, undefined);
    const card = model.card as ClicksCard;
    const image = await decodeImage(readFileSync(join(dir, 'image.png')), 'image.png');
    const embeddings = await encodeImage(card, model.encoder, image);
    const planes = normalisedPlanes(card, image);
    let previous: PreviousMask | undefined;
    const masks: Uint8Array[] = [];
    for (const [k, step] of refs.steps.entries()) {
      const clicks = step.clicks.map(([x, y, positive]) => ({ x, y, positive }));
      const box = cropBox(clicks, previous, refs.width, card.crop);
      assert.deepEqual(box, step.box, `step ${k}: box`);
      const ours = clickModelInput(card, planes, refs.width, refs.height, clicks, previous, box);
      const theirs = readBin(join(dir, `input_${k}.bin`), (b) => new Float32Array(b));
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
      assert.ok(worst < 1e-4, `step ${k}: model input differs from PyTorch's by ${worst}`);
      const selection = await decodePrompt(card, model.decoder, embeddings, { points: clicks }, previous, 'test');
      assert.equal(selection.candidates.length, 1);
      const mask = selection.candidates[0].mask;
      const expected = readBin(join(dir, `mask_${k}.bin`), (b) => new Uint8Array(b));
      let differ = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i] !== expected[i]) differ++;
      // ONNX Runtime and PyTorch round differently: only a pixel whose logit is ~0 may land on the other side
      assert.ok(differ <= 2, `step ${k}: ${differ} of ${mask.length} pixels differ from PyTorch's selection (${step.selected} selected)`);
      assert.equal(selection.candidates[0].lowRes, mask, `step ${k}: the next click refines the mask itself, not a copy`);
      previous = selection.candidates[0].lowRes;
      masks.push(mask);
    }
    const mask = Uint8Array.of(0, 1, 1);
    assert.equal(previousFromMask(card, mask, 3, 1), mask);
    // The NoC segmenter writes into two buffers in turn: the same masks, nothing image-sized allocated per click.
    const segment = promptableSegmenter(card, model.decoder, embeddings, 'test');
    const returned: Uint8Array[] = [];
    for (const [k, step] of refs.steps.entries()) {
      returned.push(await segment(step.clicks.map(([x, y, positive]) => ({ x, y, positive }))));
      assert.deepEqual(returned[k], masks[k], `step ${k}: the segmenter's mask`);
    }
    assert.equal(new Set(returned).size, Math.min(2, returned.length));
  } finally {
    await model.decoder.release();
  }
});

test('the real CLI: seglab click --session runs a click model, refining a mask it wrote', async (t) => {
  useNodeZlib();
  const dir = await clickTestModelDir();
  const refs = JSON.parse(readFileSync(join(dir, 'references.json'), 'utf8')) as { width: number; height: number; steps: Step[] };
  const out = tempDir(t);
  const image = join(dir, 'image.png');
  const requests = refs.steps.slice(0, 2).map((step, k) => ({
    image,
    points: step.clicks.map(([x, y, positive]) => [x, y, positive ? 1 : 0]),
    ...(k > 0 ? { previous: join(out, `${k - 1}.png`) } : {}),
    out: join(out, `${k}.png`),
  }));
  const r = await seglabWithInput(requests.map((q) => JSON.stringify(q)).join('\n') + '\n', 'click', '--session', '--model', join(dir, 'model.json'));
  assert.equal(r.code, 0, r.stderr);
  for (const k of [0, 1]) {
    const mask = decodeMask(readFileSync(join(out, `${k}.png`)), { path: `${k}.png`, classes: MASK_CLASSES });
    const expected = readBin(join(dir, `mask_${k}.bin`), (b) => new Uint8Array(b));
    let differ = 0;
    for (let i = 0; i < expected.length; i++) if (mask.data[i] !== expected[i]) differ++;
    assert.ok(differ <= 2, `request ${k}: ${differ} pixels differ from PyTorch's selection`);
  }
});

test('a click model card is checked field by field', () => {
  const card = {
    kind: 'promptable',
    family: 'clicks',
    name: 'c',
    model: { file: 'model.onnx' },
    input: { name: 'image', mean: [1, 2, 3], std: [1, 1, 1] },
    output: { name: 'logits', threshold: 0 },
    clicks: { encoding: 'disk', radius: 5 },
    crop,
  };
  const parse = (v: unknown) => parsePromptableCard(JSON.stringify(v), '/m/c.json');
  assert.equal(parse(card).family, 'clicks');
  assert.throws(() => parse({ ...card, crop: { ...crop, size: 0 } }), /\/m\/c\.json: crop\.size: expected a positive integer, got 0/);
  assert.throws(() => parse({ ...card, crop: { ...crop, expand: 0.5 } }), /crop\.expand: expected at least 1/);
  assert.throws(
    () => parse({ ...card, input: { ...card.input, channels: ['red'] } }),
    /input\.channels: expected \["red","green","blue","positive","negative","previous"\]/,
  );
  assert.throws(() => parse({ ...card, model: { file: '../x.onnx' } }), /model\.file: expected a file name next to the card/);
  assert.throws(() => parse({ ...card, clicks: { radius: -1 } }), /clicks\.radius: expected a positive number/);
  assert.equal((parse(card) as ClicksCard).output.respectClicks, false); // cards written before the field: the model's answer as it is
  assert.equal((parse({ ...card, output: { ...card.output, respectClicks: true } }) as ClicksCard).output.respectClicks, true);
  assert.throws(() => parse({ ...card, output: { ...card.output, respectClicks: 'yes' } }), /output\.respectClicks: expected true or false, got "yes"/);
});
