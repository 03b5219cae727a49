import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, DataError } from '../../src/core/errors';
import { formatModelCard, parseModelCard } from '../../src/core/model/card';
import { guessArchitecture, proposeCard, supersetClassMap } from '../../src/core/model/newCard';
import { resolveModel } from '../../src/core/model/resolve';
import { TEST_CLASSES, testModelsDir } from './testModels';

const PATH = '/models/m.json';

/** A card in the trainer's format (backend/seglab_trainer/export.py: model_card). */
function trainerCard(): Record<string, unknown> {
  return {
    name: 'unet-cells',
    architecture: { arch: 'unet', base: 32, depth: 4 },
    classes: TEST_CLASSES,
    input: {
      name: 'image',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      scale: 1 / 255,
      order: 'RGB',
      layout: 'NCHW',
      dynamic: true,
      multipleOf: 16,
    },
    output: { name: 'logits', kind: 'logits', stride: 1 },
    onnx: { file: 'model.onnx', sha256: 'a'.repeat(64), opset: 17, bytes: 1234, check: { checker: true, onnxruntime: null, maxAbsDiff: null } },
    sha256: 'a'.repeat(64),
    training: { arch: 'unet', epochs: 3 },
    metrics: { valMiou: [{ epoch: 1, miou: 0.5 }], final: null },
  };
}

const io = { inputs: [{ name: 'image', shape: ['batch', 3, 'height', 'width'] }], outputs: [{ name: 'logits', shape: ['batch', 4, 'height', 'width'] }] };
const dataset = { classes: TEST_CLASSES, ignoreIndex: 255, path: '/data/cells' };

function rejects(card: unknown, pattern: RegExp, text = JSON.stringify(card)) {
  assert.throws(
    () => parseModelCard(text, PATH),
    (e: unknown) => e instanceof DataError && e.path === PATH && e.message.startsWith(`${PATH}: `) && pattern.test(e.message),
  );
}

describe('model card', () => {
  test("accepts the trainer's card and the cards the test-model script writes", async () => {
    const card = parseModelCard(JSON.stringify(trainerCard()), PATH);
    assert.equal(card.architecture, 'unet');
    assert.equal(card.input.multipleOf, 16);
    assert.equal(card.input.size, undefined);
    assert.deepEqual(card.training, { arch: 'unet', epochs: 3 });
    const dir = await testModelsDir();
    for (const kind of ['unet', 'deeplabv3plus', 'deeplabv3_mnv3', 'fcn', 'segformer']) {
      const c = parseModelCard(readFileSync(join(dir, `${kind}.json`), 'utf8'), kind);
      assert.equal(c.classes.length, 4);
    }
    assert.equal(parseModelCard(readFileSync(join(dir, 'segformer.json'), 'utf8'), 'x').output.stride, 4);
  });

  test('round-trips through formatModelCard, fixed sizes included', () => {
    const raw = { ...trainerCard(), architecture: 'deeplabv3', input: { ...(trainerCard().input as object), dynamic: false, size: [512, 512] } };
    const card = parseModelCard(JSON.stringify(raw), PATH);
    assert.deepEqual(card.input.size, [512, 512]);
    assert.deepEqual(parseModelCard(formatModelCard(card), PATH), card);
  });

  test('every error names the card file and the field', () => {
    rejects(undefined, /not valid JSON/, '{"name": ');
    rejects([], /expected a JSON object/);
    rejects({ ...trainerCard(), name: 'a/b' }, /name: expected a non-empty string without slashes/);
    rejects({ ...trainerCard(), architecture: 'resnet' }, /architecture: expected one of deeplabv3, deeplabv3plus, unet, fcn, segformer, other/);
    rejects({ ...trainerCard(), classes: [] }, /classes: expected a non-empty array/);
    rejects(
      {
        ...trainerCard(),
        classes: [
          { id: 0, name: 'a' },
          { id: 0, name: 'b' },
        ],
      },
      /classes\[1\]\.id: 0 is used twice/,
    );
    rejects({ ...trainerCard(), classes: [{ id: 300, name: 'a' }] }, /classes\[0\]\.id: expected an integer 0-255/);
    rejects({ ...trainerCard(), input: { mean: [0, 0], std: [1, 1, 1] } }, /input\.mean: expected three numbers/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 0, 1] } }, /input\.std: expected three positive numbers/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 1, 1], layout: 'NWHC' } }, /input\.layout: expected "NCHW" or "NHWC"/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 1, 1], dtype: 'int8' } }, /input\.dtype: expected "float32" or "float16" or "uint8"/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 1, 1], resize: 'crop' } }, /input\.resize: expected "letterbox" or "stretch" or "tiles"/);
    rejects({ ...trainerCard(), output: { kind: 'sigmoid' } }, /output\.activation: a "sigmoid" output needs "applied"/);
    rejects(
      { ...trainerCard(), classes: TEST_CLASSES.slice(0, 2), output: { kind: 'sigmoid', activation: 'none', threshold: 1 } },
      /output\.threshold: expected a probability between 0 and 1/,
    );
    rejects(
      { ...trainerCard(), output: { kind: 'sigmoid', activation: 'none' } },
      /classes: a "sigmoid" output has two classes \(below and above the threshold\), the card lists 4/,
    );
    rejects({ ...trainerCard(), output: { kind: 'logits', threshold: 0.3 } }, /output\.threshold: only a "sigmoid" or "multilabel" output has one/);
    rejects({ ...trainerCard(), classMap: { 9: 1 } }, /classMap\["9"\]: not a class id of the card's classes/);
    rejects({ ...trainerCard(), classMap: { 1: 'cell' } }, /classMap\["1"\]: expected a dataset class id \(0-255\) or null/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 1, 1], dynamic: false } }, /input\.size: a fixed-size model needs \[height, width\]/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 1, 1], multipleOf: 0 } }, /input\.multipleOf: expected a positive integer/);
    rejects({ ...trainerCard(), output: { kind: 'softmax' } }, /output\.kind: expected "logits" or "probabilities" or "sigmoid" or "multilabel" or "labels"/);
    rejects({ ...trainerCard(), output: { stride: 2.5 } }, /output\.stride: expected a positive integer/);
    rejects({ ...trainerCard(), sha256: 'xyz' }, /sha256: expected 64 lowercase hex digits/);
  });
});

describe('resolveModel', () => {
  const card = () => parseModelCard(JSON.stringify(trainerCard()), PATH);
  const resolve = (c = card(), channels = 4, ds = dataset) => resolveModel({ modelPath: '/models/m.onnx', card: c, cardPath: PATH, io, channels, dataset: ds });
  const fails = (fn: () => unknown, path: string, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof DataError && e.path === path && pattern.test(e.message));

  test('matches classes by id and name (case and spaces aside); labels follow the card ids', () => {
    const ds = {
      ...dataset,
      classes: [
        ...TEST_CLASSES.map((c) => ({ ...c, name: ` ${c.name.toUpperCase()}` })),
        { id: 7, name: 'extra', color: [1, 2, 3] as [number, number, number] },
      ],
    };
    const m = resolve(card(), 4, ds);
    assert.deepEqual([...m.labels], [0, 1, 2, 3]);
    assert.deepEqual(m.defaults, []);
  });

  test('class mismatches name the card, the class and the dataset', () => {
    const c = card();
    c.classes[1] = { ...c.classes[1], id: 9 };
    fails(() => resolve(c), PATH, /classes\[1\]: class id 9 \("cell"\) is not a class of the dataset \/data\/cells/);
    const d = card();
    d.classes[3] = { ...d.classes[3], name: 'dust' };
    fails(() => resolve(d), PATH, /class id 3 is "dust" in the model but "debris" in the dataset \/data\/cells/);
    fails(() => resolve(card(), 5), PATH, /the card lists 4 classes but output "logits" has 5 channels/);
    const e = card();
    e.output.name = 'out';
    fails(() => resolve(e), PATH, /output\.name: "out" is not an output of the model \(outputs: logits\)/);
  });

  test('without a card: defaults are used and listed; a class-count mismatch names the .onnx', () => {
    const m = resolveModel({ modelPath: '/models/my-net.onnx', io, channels: 4, dataset });
    assert.equal(m.name, 'my-net');
    assert.deepEqual(m.input.mean, [0.485, 0.456, 0.406]);
    assert.equal(m.input.scale, 1 / 255);
    assert.equal(m.input.multipleOf, 32);
    assert.equal(m.defaults.length, 4);
    fails(
      () => resolveModel({ modelPath: '/models/my-net.onnx', io, channels: 21, dataset }),
      '/models/my-net.onnx',
      /has no model card and its output "logits" has 21 channels, but the dataset \/data\/cells has 4 classes/,
    );
    const fixed = resolveModel({ modelPath: '/m.onnx', io: { ...io, inputs: [{ name: 'x', shape: [1, 3, 256, 320] }] }, channels: 4, dataset });
    assert.deepEqual(fixed.input.size, [256, 320]);
    assert.match(fixed.defaults.join('\n'), /fixed input size 256x320 from the file/);
  });

  test("torchvision's dict output: `out` is read, not `aux`", () => {
    const m = resolveModel({
      modelPath: '/tv.onnx',
      io: {
        ...io,
        outputs: [
          { name: 'aux', shape: [] },
          { name: 'out', shape: [] },
        ],
      },
      channels: 4,
      dataset,
    });
    assert.equal(m.output.name, 'out');
  });
});

describe('proposeCard (Add Model… and seglab card)', () => {
  const probe = (dims: number[], values: number[] = [0], type = 'float32') => ({ dims, data: Float32Array.from(values), type });
  const propose = (io: Parameters<typeof proposeCard>[0]['io'], p: ReturnType<typeof probe>, extra = {}) =>
    proposeCard({ name: 'm', io, probe: p, sha256: 'b'.repeat(64), datasetClasses: TEST_CLASSES, ...extra });

  test('a dynamic multi-class model: the dataset classes, ImageNet, logits; each default listed; parses back', () => {
    const tvIo = {
      inputs: [{ name: 'input', shape: ['batch', 3, 'h', 'w'], type: 'float32' }],
      outputs: [
        { name: 'out', shape: [] },
        { name: 'aux', shape: [] },
      ],
    };
    assert.equal(guessArchitecture(tvIo, 1), 'deeplabv3');
    assert.equal(guessArchitecture(io, 4), 'segformer');
    assert.equal(guessArchitecture(io, 1), 'other');
    const { card, defaults } = propose(tvIo, probe([1, 4, 16, 16]));
    assert.deepEqual(parseModelCard(formatModelCard(card), PATH), { ...card, metrics: undefined });
    assert.deepEqual(
      [card.input.name, card.input.size, card.input.multipleOf, card.output.name, card.output.kind, card.output.stride, card.architecture],
      ['input', undefined, 32, 'out', 'logits', 4, 'segformer'],
    );
    assert.deepEqual(card.classes, TEST_CLASSES);
    assert.match(defaults.join('\n'), /ImageNet mean\/std/);
    assert.match(defaults.join('\n'), /output\.name "out" \(of out, aux\)/);
  });

  test('one channel -> sigmoid (activation from the probe values); integer output -> labels; NHWC -> NHWC; uint8 -> no normalisation', () => {
    const nhwc = { inputs: [{ name: 'x', shape: [1, 'h', 'w', 3], type: 'uint8' }], outputs: [{ name: 'y', shape: [] }] };
    const applied = propose(nhwc, probe([1, 64, 64, 1], [0.2, 0.9]), { datasetClasses: TEST_CLASSES.slice(0, 2) });
    assert.deepEqual(applied.card.output, { name: 'y', kind: 'sigmoid', stride: 1, activation: 'applied', threshold: 0.5, layout: 'NHWC' });
    assert.deepEqual([applied.card.input.layout, applied.card.input.dtype, applied.card.input.scale, applied.card.input.mean], ['NHWC', 'uint8', 1, [0, 0, 0]]);
    assert.deepEqual(applied.card.classes, TEST_CLASSES.slice(0, 2));
    const logits = propose({ ...nhwc, inputs: [{ name: 'x', shape: [1, 3, 'h', 'w'], type: 'float32' }] }, probe([1, 1, 64, 64], [-3, 2]));
    assert.deepEqual(
      [logits.card.output.kind, logits.card.output.activation, logits.card.classes.map((c) => c.name)],
      ['sigmoid', 'none', ['background', 'foreground']],
    );
    const labels = propose(io, probe([1, 64, 64], [0, 3], 'int64'));
    assert.equal(labels.card.output.kind, 'labels');
    assert.equal(labels.card.classes.length, 4);
  });

  test('a fixed size: letterbox by default (listed), stretch on request; other class counts get generic names', () => {
    const fixedIo = { ...io, inputs: [{ name: 'x', shape: [1, 3, 256, 320], type: 'float32' }] };
    const lb = propose(fixedIo, probe([1, 21, 256, 320]), { datasetClasses: undefined });
    assert.deepEqual([lb.card.input.size, lb.card.input.resize, lb.card.input.multipleOf], [[256, 320], 'letterbox', 1]);
    assert.match(lb.defaults.join('\n'), /input\.resize "letterbox" \(the input is a fixed 256x320/);
    assert.match(lb.defaults.join('\n'), /classes: 21 generic names/);
    assert.equal(lb.card.classes[20].name, 'class_20');
    assert.equal(lb.card.classMap, undefined);
    assert.equal(propose(fixedIo, probe([1, 3, 256, 320])).card.classMap, undefined, 'fewer channels than dataset classes: no superset');
    const st = propose(fixedIo, probe([1, 4, 256, 320]), { resize: 'stretch', normalisation: 'centered' });
    assert.equal(st.card.input.resize, 'stretch');
    assert.deepEqual([st.card.input.scale, st.card.input.mean, st.card.input.std], [1 / 256, [0.5, 0.5, 0.5], [1, 1, 1]]);
    assert.doesNotMatch(st.defaults.join('\n'), /resize|normalisation/);
  });

  test('more channels than dataset classes: class_0..class_N-1 and a classMap of nulls, refused until filled in; the answers map them', () => {
    const dataset = { classes: TEST_CLASSES, ignoreIndex: 255, path: '/data' };
    const superIo = { inputs: [{ name: 'input', shape: [1, 3, 'h', 'w'], type: 'float32' }], outputs: [{ name: 'output', shape: [1, 6, 'h', 'w'] }] };
    const { card, defaults } = propose(superIo, probe([1, 6, 64, 64]));
    assert.deepEqual(
      card.classes.map((c) => c.name),
      ['class_0', 'class_1', 'class_2', 'class_3', 'class_4', 'class_5'],
    );
    assert.deepEqual(card.classMap, { 0: null, 1: null, 2: null, 3: null, 4: null, 5: null });
    assert.match(
      defaults.join('\n'),
      /6 channels, more than the dataset's 4 classes.*fill in, for each dataset class, the model class that feeds it.*refused until then/,
    );
    const written = parseModelCard(formatModelCard(card), PATH);
    const resolve = (c: typeof card) => resolveModel({ modelPath: '/models/m.onnx', card: c, cardPath: PATH, io: superIo, channels: 6, dataset });
    assert.throws(
      () => resolve(written),
      (e: unknown) => e instanceof ConfigError && e.path === PATH && /classMap: none of the model's classes maps to a class of the dataset/.test(e.message),
    );
    // Add Model…'s answers: background <- class_5, cell <- class_0, nucleus <- class_2, debris: none.
    const classMap = supersetClassMap(
      card.classes,
      new Map([
        [0, 5],
        [1, 0],
        [2, 2],
      ]),
    );
    const answered = propose(superIo, probe([1, 6, 64, 64]), { classMap });
    assert.doesNotMatch(answered.defaults.join('\n'), /classes/);
    const m = resolve(parseModelCard(formatModelCard(answered.card), PATH));
    assert.deepEqual([...m.labels], [1, 255, 2, 255, 255, 0]);
    assert.equal(m.mapping.rule, 'classMap');
    assert.throws(
      () =>
        supersetClassMap(
          card.classes,
          new Map([
            [0, 1],
            [1, 1],
          ]),
        ),
      /model class 1 is chosen for dataset classes 0 and 1; it can feed only one/,
    );
  });
});
