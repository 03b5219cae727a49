import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DataError } from '../../src/core/errors';
import { formatModelCard, parseModelCard } from '../../src/core/model/card';
import { guessArchitecture, newCard } from '../../src/core/model/newCard';
import { resolveModel } from '../../src/core/model/resolve';
import { TEST_CLASSES, testModelsDir } from './testModels';

const PATH = '/models/m.json';

/** A card in the trainer's format (backend/seglab_trainer/export.py: model_card). */
function trainerCard(): Record<string, unknown> {
  return {
    name: 'unet-cells',
    architecture: { arch: 'unet', base: 32, depth: 4 },
    classes: TEST_CLASSES,
    input: { name: 'image', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], scale: 1 / 255, order: 'RGB', layout: 'NCHW', dynamic: true, multipleOf: 16 },
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
    rejects({ ...trainerCard(), classes: [{ id: 0, name: 'a' }, { id: 0, name: 'b' }] }, /classes\[1\]\.id: 0 is used twice/);
    rejects({ ...trainerCard(), classes: [{ id: 300, name: 'a' }] }, /classes\[0\]\.id: expected an integer 0-255/);
    rejects({ ...trainerCard(), input: { mean: [0, 0], std: [1, 1, 1] } }, /input\.mean: expected three numbers/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 0, 1] } }, /input\.std: expected three positive numbers/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 1, 1], layout: 'NHWC' } }, /input\.layout: only "NCHW"/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 1, 1], dynamic: false } }, /input\.size: a fixed-size model needs \[height, width\]/);
    rejects({ ...trainerCard(), input: { mean: [0, 0, 0], std: [1, 1, 1], multipleOf: 0 } }, /input\.multipleOf: expected a positive integer/);
    rejects({ ...trainerCard(), output: { kind: 'softmax' } }, /output\.kind: expected "logits" or "probabilities"/);
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
    const ds = { ...dataset, classes: [...TEST_CLASSES.map((c) => ({ ...c, name: ` ${c.name.toUpperCase()}` })), { id: 7, name: 'extra', color: [1, 2, 3] as [number, number, number] }] };
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
    fails(() => resolveModel({ modelPath: '/models/my-net.onnx', io, channels: 21, dataset }), '/models/my-net.onnx', /has no model card and its output "logits" has 21 channels, but the dataset \/data\/cells has 4 classes/);
    const fixed = resolveModel({ modelPath: '/m.onnx', io: { ...io, inputs: [{ name: 'x', shape: [1, 3, 256, 320] }] }, channels: 4, dataset });
    assert.deepEqual(fixed.input.size, [256, 320]);
    assert.match(fixed.defaults.join('\n'), /fixed input size 256x320 from the file/);
  });

  test("torchvision's dict output: `out` is read, not `aux`", () => {
    const m = resolveModel({ modelPath: '/tv.onnx', io: { ...io, outputs: [{ name: 'aux', shape: [] }, { name: 'out', shape: [] }] }, channels: 4, dataset });
    assert.equal(m.output.name, 'out');
  });
});

describe('newCard (Add Model…)', () => {
  test('writes what the file says plus the answers, and parses back', () => {
    const tvIo = { inputs: [{ name: 'input', shape: ['batch', 3, 'h', 'w'] }], outputs: [{ name: 'out', shape: [] }, { name: 'aux', shape: [] }] };
    assert.equal(guessArchitecture(tvIo, 1), 'deeplabv3');
    assert.equal(guessArchitecture(io, 4), 'segformer');
    assert.equal(guessArchitecture(io, 1), 'other');
    const card = newCard({ name: 'tv', architecture: 'deeplabv3', io: tvIo, outputName: 'out', classes: TEST_CLASSES, normalisation: 'imagenet', multipleOf: 32, stride: 1, sha256: 'b'.repeat(64) });
    assert.deepEqual(parseModelCard(formatModelCard(card), PATH), { ...card, metrics: undefined });
    assert.equal(card.input.name, 'input');
    assert.equal(card.input.size, undefined);
    const fixed = newCard({ name: 'f', architecture: 'other', io: { ...io, inputs: [{ name: 'x', shape: [1, 3, 256, 256] }] }, outputName: 'logits', classes: TEST_CLASSES, normalisation: 'raw', multipleOf: 32, stride: 1, sha256: 'b'.repeat(64) });
    assert.deepEqual([fixed.input.size, fixed.input.multipleOf, fixed.input.scale], [[256, 256], 1, 1]);
  });
});
