/**
 * The model conventions in isolation: tensor conversions (NHWC, float16, uint8), output decoding
 * (label maps, NHWC), the sigmoid rule and its confidence, class mapping, and what resolveModel
 * refuses (each a ConfigError naming the file and the field).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/core/errors';
import { parseModelCard } from '../../src/core/model/card';
import { decodeOutput, multilabelConfidence, thresholdConfidence } from '../../src/core/model/postprocess';
import { planInput } from '../../src/core/model/preprocess';
import { resolveModel } from '../../src/core/model/resolve';
import { encodeInput, fromFloat16Bits, toFloat16Bits } from '../../src/core/model/tensors';
import { COMPAT_CLASSES } from './compatModels';

const CARD = '/m/model.json';
const dataset = { classes: COMPAT_CLASSES, ignoreIndex: 255, path: '/data' };
const io = (outShape: Array<number | string>, type = 'float32', inShape: Array<number | string> = [1, 3, 'h', 'w'], inType = 'float32') => ({
  inputs: [{ name: 'input', shape: inShape, type: inType }],
  outputs: [{ name: 'output', shape: outShape, type }],
});
const card = (extra: Record<string, unknown> = {}, classes = COMPAT_CLASSES.slice(0, 2)) =>
  parseModelCard(
    JSON.stringify({
      name: 'm',
      architecture: 'other',
      classes,
      input: { mean: [0, 0, 0], std: [1, 1, 1] },
      output: { name: 'output', kind: 'logits' },
      ...extra,
    }),
    CARD,
  );
const refuses = (fn: () => unknown, path: string, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.path === path && e.message.startsWith(`${path}: `) && pattern.test(e.message));

describe('tensors', () => {
  test('float16: exact for representable values, rounded to nearest even, infinities and subnormals', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8]) assert.equal(fromFloat16Bits(toFloat16Bits(v)), v);
    assert.equal(fromFloat16Bits(toFloat16Bits(1 + 2 ** -11)), 1); // a tie rounds to even
    assert.equal(fromFloat16Bits(toFloat16Bits(1e6)), Infinity);
    assert.ok(Math.abs(fromFloat16Bits(toFloat16Bits(0.1)) - 0.1) < 1e-4);
  });
  test('encodeInput: NHWC interleaves, uint8 rounds and clamps', () => {
    const chw = Float32Array.from([1, 2, 10, 20, 100, 300]); // 3 channels of 1x2
    assert.deepEqual(encodeInput(chw, 1, 2, 'NHWC', 'float32'), { type: 'float32', data: Float32Array.from([1, 10, 100, 2, 20, 300]), dims: [1, 1, 2, 3] });
    assert.deepEqual(encodeInput(Float32Array.from([-1, 2.5, 256]), 1, 1, 'NCHW', 'uint8').data, Uint8Array.from([0, 3, 255]));
    assert.equal(encodeInput(chw, 1, 2, 'NCHW', 'float16').data.constructor, Uint16Array);
  });
  test('stretch fills the fixed input; letterbox keeps the aspect ratio', () => {
    assert.deepEqual(planInput(37, 23, { size: [32, 32], multipleOf: 1, resize: 'stretch' }), {
      tensorHeight: 32,
      tensorWidth: 32,
      validHeight: 32,
      validWidth: 32,
    });
    assert.deepEqual(planInput(37, 23, { size: [32, 32], multipleOf: 1, resize: 'letterbox' }), {
      tensorHeight: 32,
      tensorWidth: 32,
      validHeight: 20,
      validWidth: 32,
    });
  });
});

describe('output decoding and the sigmoid rule', () => {
  const output = (kind: 'labels' | 'logits', layout: 'NCHW' | 'NHWC' = 'NCHW') => ({ name: 'y', kind, stride: 1, layout });
  test('a label map ([1,H,W] or [1,1,H,W]) becomes one-hot; a value outside the classes is an error naming the output', () => {
    const m = { output: output('labels'), channels: 3 };
    assert.deepEqual(decodeOutput({ data: Float32Array.from([2, 0]), dims: [1, 1, 2], type: 'int64' }, m), {
      data: Float32Array.from([0, 1, 0, 0, 1, 0]),
      height: 1,
      width: 2,
    });
    assert.equal(decodeOutput({ data: Float32Array.from([1, 0]), dims: [1, 1, 1, 2], type: 'int64' }, m).width, 2);
    assert.throws(
      () => decodeOutput({ data: Float32Array.from([3]), dims: [1, 1, 1], type: 'int64' }, m),
      /output "y" holds 3, which is not a class index of the card's 3 classes/,
    );
  });
  test("NHWC output is transposed; a channel count that is not the card's is an error", () => {
    const m = { output: output('logits', 'NHWC'), channels: 2 };
    assert.deepEqual(decodeOutput({ data: Float32Array.from([1, 2, 3, 4]), dims: [1, 1, 2, 2], type: 'float32' }, m).data, Float32Array.from([1, 3, 2, 4]));
    assert.throws(
      () => decodeOutput({ data: new Float32Array(6), dims: [1, 1, 2, 3], type: 'float32' }, m),
      /has shape \[1, 1, 2, 3\]; expected \[1, H, W, 2\] \(NHWC\)/,
    );
  });
  test('sigmoid: the class by the threshold on the probability; confidence 0.5 at the threshold, 1 at 0 and 1', () => {
    const labels = new Uint8Array(4);
    const conf = new Uint8Array(4);
    thresholdConfidence(Float32Array.from([0.7, 0.71, 1, 0]), Uint8Array.from([0, 1]), 'applied', 0.7, labels, conf);
    assert.deepEqual([...labels], [0, 1, 1, 0]);
    assert.deepEqual([...conf], [128, 132, 255, 255]);
    thresholdConfidence(Float32Array.from([0, 2, -2]), Uint8Array.from([5, 6]), 'none', 0.5, labels, conf);
    assert.deepEqual([...labels.slice(0, 3)], [5, 6, 5]);
    assert.equal(conf[1], Math.round(255 / (1 + Math.exp(-2))));
  });
  test('multilabel: the most probable class above the threshold, else the first (background); confidence as for one sigmoid', () => {
    // Three pixels, channels background / a / b (probabilities): two above (b wins), none above, only the background above.
    const values = Float32Array.from([0.1, 0.2, 0.9, /* a */ 0.8, 0.5, 0.3, /* b */ 0.95, 0.6, 0.1]);
    const labels = new Uint8Array(3);
    const conf = new Uint8Array(3);
    multilabelConfidence(values, 3, 3, Uint8Array.from([0, 7, 9]), 'applied', 0.7, labels, conf);
    assert.deepEqual([...labels], [9, 0, 0]);
    const sigmoid = new Uint8Array(3);
    thresholdConfidence(Float32Array.from([0.95, 0.6, 0.9]), Uint8Array.from([0, 1]), 'applied', 0.7, new Uint8Array(3), sigmoid);
    assert.deepEqual([...conf], [...sigmoid]);
    // Logits: SegLab applies the sigmoid (logit 0 = probability 0.5, at a 0.5 threshold: not above).
    multilabelConfidence(Float32Array.from([-3, 0, 1, -1]), 2, 2, Uint8Array.from([0, 4]), 'none', 0.5, labels, conf);
    assert.deepEqual([...labels.slice(0, 2)], [4, 0]);
  });
});

describe('resolveModel: conventions and refusals', () => {
  test('sigmoid: one channel, two classes; labels: any channel count; NHWC and uint8 read from the model', () => {
    const s = resolveModel({
      modelPath: '/m/model.onnx',
      card: card({ output: { name: 'output', kind: 'sigmoid', activation: 'none', threshold: 0.3 } }),
      cardPath: CARD,
      io: io([1, 1, 'h', 'w']),
      channels: 1,
      dataset,
    });
    assert.deepEqual([s.channels, [...s.labels], s.output.threshold], [1, [0, 1], 0.3]);
    const l = resolveModel({
      modelPath: '/m/model.onnx',
      card: card({ output: { name: 'output', kind: 'labels' } }, COMPAT_CLASSES),
      cardPath: CARD,
      io: io([1, 'h', 'w'], 'int64'),
      channels: 0,
      dataset,
    });
    assert.equal(l.channels, 4);
    const u = resolveModel({
      modelPath: '/m/model.onnx',
      card: card({ input: { mean: [0, 0, 0], std: [1, 1, 1], scale: 1 } }),
      cardPath: CARD,
      io: io([1, 'h', 'w', 2], 'float32', [1, 'h', 'w', 3], 'uint8'),
      channels: 2,
      dataset,
    });
    assert.deepEqual([u.input.layout, u.input.dtype, u.output.layout], ['NHWC', 'uint8', 'NHWC']);
    const m = resolveModel({
      modelPath: '/m/model.onnx',
      card: card({ output: { name: 'output', kind: 'multilabel', activation: 'applied' } }, COMPAT_CLASSES),
      cardPath: CARD,
      io: io([1, 4, 'h', 'w']),
      channels: 4,
      dataset,
    });
    assert.deepEqual([m.channels, [...m.labels], m.output.threshold], [4, [0, 1, 2, 3], 0.5]);
  });
  test('class mapping: byName, an explicit classMap, unmapped classes to the ignore index', () => {
    const classes = [
      { id: 0, name: 'Red' },
      { id: 1, name: 'sky' },
      { id: 2, name: 'green' },
    ];
    const byName = resolveModel({
      modelPath: '/m/model.onnx',
      card: card({ classMap: 'byName' }, classes as never),
      cardPath: CARD,
      io: io([1, 3, 'h', 'w']),
      channels: 3,
      dataset,
    });
    assert.deepEqual([byName.mapping.rule, [...byName.labels]], ['name', [1, 255, 2]]);
    const map = resolveModel({
      modelPath: '/m/model.onnx',
      card: card({ classMap: { 1: 3, 2: null } }, classes as never),
      cardPath: CARD,
      io: io([1, 3, 'h', 'w']),
      channels: 3,
      dataset,
    });
    assert.deepEqual([map.mapping.rule, [...map.labels]], ['classMap', [255, 3, 255]]);
    refuses(
      () =>
        resolveModel({
          modelPath: '/m/model.onnx',
          card: card({ classMap: { 0: null } }, classes as never),
          cardPath: CARD,
          io: io([1, 3, 'h', 'w']),
          channels: 3,
          dataset,
        }),
      CARD,
      /classMap: none of the model's classes maps to a class of the dataset/,
    );
  });
  test('refusals name the card (or the model without one) and the field', () => {
    const r = (extra: Record<string, unknown>, ioArg: ReturnType<typeof io>, channels: number, pattern: RegExp, path = CARD, withCard = true) =>
      refuses(
        () => resolveModel({ modelPath: '/m/model.onnx', card: withCard ? card(extra) : undefined, cardPath: CARD, io: ioArg, channels, dataset }),
        path,
        pattern,
      );
    r(
      { output: { name: 'output', kind: 'sigmoid', activation: 'applied' } },
      io([1, 2, 'h', 'w']),
      2,
      /output\.kind: "sigmoid" needs one channel, output "output" has 2/,
    );
    r({}, io([1, 1, 'h', 'w']), 1, /output\.kind: "output" has one channel.*"kind": "sigmoid"/);
    r(
      { output: { name: 'output', kind: 'multilabel', activation: 'none' } },
      io([1, 1, 'h', 'w']),
      1,
      /classes: a "multilabel" output has one class per channel; the card lists 2 classes but output "output" has 1 channels.*"kind": "sigmoid"/,
    );
    r({}, io([1, 1, 'h', 'w']), 1, /output: "output" has one channel/, '/m/model.onnx', false);
    r(
      { input: { mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW' } },
      io([1, 2, 'h', 'w'], 'float32', [1, 'h', 'w', 3]),
      2,
      /input\.layout: "NCHW", but the model's input "input" is \[1, h, w, 3\]; set "layout": "NHWC"/,
    );
    r(
      { input: { mean: [0, 0, 0], std: [1, 1, 1], dtype: 'float16' } },
      io([1, 2, 'h', 'w']),
      2,
      /input\.dtype: "float16", but the model's input "input" is float32/,
    );
    r({ input: { mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch' } }, io([1, 2, 'h', 'w']), 2, /input\.resize: "stretch" needs a fixed-size model/);
    r({}, io([1, 2, 'h', 'w'], 'float32', [1, 3, 'h', 'w'], 'double'), 2, /input "input" is double; SegLab feeds float32, float16, uint8/, '/m/model.onnx');
  });
});
