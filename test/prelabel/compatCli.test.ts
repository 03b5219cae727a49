/**
 * The compatibility suite through the CLI as a process: `seglab prelabel` gives each
 * convention's known answer on odd-sized PNG images; every refusal exits 2 naming the file and
 * the field (and prints {error, file, hint} with --json); a run that predicts one class
 * everywhere ends with a warning; prelabel and miou say how classes were mapped; `seglab card`
 * proposes what the file says.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import type { ClassDef } from '../../src/core/classes';
import { seglab } from '../cli/run';
import { indexedMask, tempDir, writeFile } from '../core/dataset/fixtures';
import { COMPAT_CLASSES, COMPAT_MODELS, COMPAT_SIZES, compatImage, wrongPixels } from '../model/compatModels';
import { testModelsDir } from '../model/testModels';

let compat: string;
before(async () => {
  compat = join(await testModelsDir(), 'compat');
});

/** A seglab dataset of compat images (PNG: the pixel values stay exact), one per size; returns the stems' sizes. */
function compatDataset(root: string, classes: ClassDef[] = COMPAT_CLASSES, sizes = COMPAT_SIZES): Map<string, [number, number]> {
  writeFile(join(root, 'seglab.json'), JSON.stringify({ name: 'compat', classes }));
  const stems = new Map<string, [number, number]>();
  for (const [w, h] of sizes) {
    const image = compatImage(w, h);
    writeFile(join(root, 'images', `img${w}x${h}.png`), encodePng({ width: w, height: h, data: image.data, channels: 3, depth: 8 }));
    stems.set(`img${w}x${h}`, [w, h]);
  }
  return stems;
}

/** Copies a compat model (and its card, edited by `edit`, or none when edit is null) into the dataset's models/. */
function useModel(root: string, name: string, edit?: ((card: Record<string, unknown>) => void) | null): { model: string; card: string } {
  const model = join(root, 'models', `${name}.onnx`);
  const card = join(root, 'models', `${name}.json`);
  writeFile(model, readFileSync(join(compat, `${name}.onnx`)));
  if (edit === null) return { model, card };
  copyFileSync(join(compat, `${name}.json`), card);
  if (edit) {
    const json = JSON.parse(readFileSync(card, 'utf8'));
    edit(json);
    writeFileSync(card, JSON.stringify(json));
  }
  return { model, card };
}

describe('seglab prelabel: the compatibility suite', { concurrency: 2 }, () => {
  for (const name of COMPAT_MODELS) {
    test(`${name}: the known answer on every pixel of every image`, async (t) => {
      const root = tempDir(t);
      const stems = compatDataset(root);
      const { model } = useModel(root, name);
      const r = await seglab('prelabel', root, '--model', model, '--json', '--threads', '1');
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout);
      assert.deepEqual(json.model.defaults, []);
      for (const [stem, [w, h]] of stems) {
        const png = decodePng(readFileSync(join(json.outDir, `${stem}.png`)));
        const result = wrongPixels(name, compatImage(w, h), png.data);
        assert.equal(result.wrong, 0, `${name} ${stem}: ${result.first.join('; ')}`);
      }
    });
  }

  test('the mapping is said: on stderr and in --json', async (t) => {
    const root = tempDir(t);
    compatDataset(root);
    const r = await seglab('prelabel', root, '--model', useModel(root, 'superset').model, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /classes: classMap: red \(0\) -> red \(1\), green \(1\) -> green \(2\), blue \(2\) -> unlabeled, cat \(3\) -> unlabeled, dog \(4\) -> unlabeled/,
    );
    assert.deepEqual(
      JSON.parse(r.stdout).model.mapping.classes.map((c: { to: number | null }) => c.to),
      [1, 2, null, null, null],
    );
    writeFile(join(root, 'masks', 'img5x3.png'), indexedMask(5, 3, new Uint8Array(15).fill(1)));
    const miou = await seglab('miou', root, '--model', 'superset', '--json');
    assert.equal(miou.code, 0, miou.stderr);
    assert.match(miou.stderr, /the predictions' classes: classMap: red \(0\) -> red \(1\)/);
    assert.equal(JSON.parse(miou.stdout).classMapping.rule, 'classMap');
  });

  test('a run that predicts one class on every pixel ends with a warning', async (t) => {
    const root = tempDir(t);
    writeFile(join(root, 'seglab.json'), JSON.stringify({ name: 'dark', classes: COMPAT_CLASSES }));
    // Every pixel has R = 30: the sigmoid model says background everywhere, rightly, but a whole run of it is suspicious.
    for (const [w, h] of [
      [7, 5],
      [9, 3],
    ]) {
      const dark = new Uint8Array(w * h * 3).fill(30);
      writeFile(join(root, 'images', `img${w}x${h}.png`), encodePng({ width: w, height: h, data: dark, channels: 3, depth: 8 }));
    }
    const r = await seglab('prelabel', root, '--model', useModel(root, 'sigmoid_applied').model, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: every pixel of all 2 predictions is class 0 \(background\)/);
    assert.equal(JSON.parse(r.stdout).warnings.length, 1);
  });
});

describe('seglab prelabel: refusals exit 2 naming the file and the field', { concurrency: 2 }, () => {
  const refuses = async (t: { after(fn: () => void): void }, name: string, edit: ((card: Record<string, unknown>) => void) | null, field: RegExp) => {
    const root = tempDir(t);
    compatDataset(root);
    const { model, card } = useModel(root, name, edit);
    const file = edit === null ? model : card;
    const r = await seglab('prelabel', root, '--model', model, '--json');
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.startsWith(`${file}: `), r.stderr);
    assert.match(r.stderr, field);
    const json = JSON.parse(r.stdout);
    assert.equal(json.file, file);
    assert.match(json.error, field);
    assert.ok('hint' in json);
  };
  test('a one-channel output read as logits (the card lists only the foreground)', (t) =>
    refuses(
      t,
      'sigmoid_applied',
      (c) => Object.assign(c, { classes: [COMPAT_CLASSES[1]], output: { name: 'output', kind: 'logits' } }),
      /output\.kind: "output" has one channel/,
    ));
  test('a one-channel output without a card names the .onnx', (t) => refuses(t, 'sigmoid_applied', null, /output: "output" has one channel/));
  test('classes that do not match the channels', (t) =>
    refuses(
      t,
      'nhwc',
      (c) => Object.assign(c, { classes: [...(c.classes as object[]), { id: 3, name: 'cat' }] }),
      /classes: the card lists 4 classes but output "output" has 3 channels/,
    ));
  test('a multilabel output whose channels are not the classes', (t) =>
    refuses(
      t,
      'multilabel',
      (c) => Object.assign(c, { classes: (c.classes as object[]).slice(0, 3) }),
      /classes: a "multilabel" output has one class per channel; the card lists 3 classes but output "output" has 4 channels/,
    ));
  test('a multilabel output with one class, and activation on a logits output', async (t) => {
    await refuses(
      t,
      'multilabel',
      (c) => Object.assign(c, { classes: [COMPAT_CLASSES[0]] }),
      /classes: a "multilabel" output needs the background and at least one more class/,
    );
    await refuses(
      t,
      'nhwc',
      (c) => Object.assign(c, { output: { name: 'output', kind: 'logits', activation: 'none' } }),
      /output\.activation: only a "sigmoid" or "multilabel" output has one/,
    );
  });
  test('a classMap onto a class id the dataset lacks', (t) =>
    refuses(t, 'superset', (c) => Object.assign(c, { classMap: { 0: 9 } }), /classMap\["0"\]: 9 is not a class id of the dataset/));
  test('a card field SegLab does not know how to honour', (t) =>
    refuses(t, 'stretch', (c) => Object.assign(c, { output: { name: 'output', kind: 'softmax' } }), /output\.kind: expected/));
  test('a uint8 input with a normalisation', (t) =>
    refuses(
      t,
      'uint8',
      (c) => Object.assign(c, { input: { ...(c.input as object), scale: 1 / 255 } }),
      /input\.scale: a uint8 input takes the pixel values 0-255 as they are/,
    ));
  test('a usage error with --json: {error, file: null, hint}', async (t) => {
    const root = tempDir(t);
    compatDataset(root);
    const r = await seglab('prelabel', root, '--json');
    assert.equal(r.code, 2, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { error: '--model <file.onnx> is required', file: null, hint: 'run "seglab prelabel --help" for usage' });
  });
  test('--out inside the label masks folder', async (t) => {
    const root = tempDir(t);
    compatDataset(root);
    writeFile(join(root, 'masks', 'x.txt'), '');
    const r = await seglab('prelabel', root, '--model', useModel(root, 'uint8').model, '--out', join(root, 'masks', 'p'), '--json');
    assert.equal(r.code, 2, r.stderr);
    assert.equal(JSON.parse(r.stdout).file, join(root, 'masks', 'p'));
  });
});

describe('seglab card', { concurrency: 2 }, () => {
  const card = async (t: { after(fn: () => void): void }, name: string, classes = COMPAT_CLASSES.slice(0, 2)) => {
    const root = tempDir(t);
    compatDataset(root, classes);
    const r = await seglab('card', join(compat, `${name}.onnx`), '--classes-from', root);
    assert.equal(r.code, 0, r.stderr);
    return { card: JSON.parse(r.stdout), stderr: r.stderr, root };
  };
  test('one channel -> sigmoid with the dataset classes; each default on stderr', async (t) => {
    const r = await card(t, 'sigmoid_applied');
    assert.deepEqual(r.card.output, { name: 'output', kind: 'sigmoid', stride: 1, activation: 'applied', threshold: 0.5 });
    assert.deepEqual(
      r.card.classes.map((c: ClassDef) => c.name),
      ['background', 'red'],
    );
    assert.match(r.stderr, /seglab card: default: input normalisation: ImageNet/);
    assert.match(r.stderr, /seglab card: default: output\.activation "applied"/);
  });
  test('argmax in the graph -> labels; NHWC -> NHWC; uint8 -> no normalisation; a fixed size -> letterbox, listed', async (t) => {
    assert.equal((await card(t, 'argmax_int64', COMPAT_CLASSES)).card.output.kind, 'labels');
    const nhwc = await card(t, 'nhwc');
    assert.deepEqual([nhwc.card.input.layout, nhwc.card.output.layout], ['NHWC', 'NHWC']);
    assert.match(nhwc.stderr, /default: classes: the model has 3 channels, more than the dataset's 2 classes/);
    const u8 = await card(t, 'uint8');
    assert.deepEqual([u8.card.input.dtype, u8.card.input.scale, u8.card.input.mean, u8.card.input.std], ['uint8', 1, [0, 0, 0], [1, 1, 1]]);
    const fixed = await card(t, 'stretch');
    assert.deepEqual([fixed.card.input.size, fixed.card.input.resize, fixed.card.input.dynamic], [[32, 32], 'letterbox', false]);
    assert.match(fixed.stderr, /default: input\.resize "letterbox" \(the input is a fixed 32x32/);
  });
  test('--out writes the card, which prelabel then uses (uint8: nothing left to default)', async (t) => {
    const root = tempDir(t);
    const stems = compatDataset(root, COMPAT_CLASSES.slice(0, 2));
    const { model, card: cardPath } = useModel(root, 'uint8', null);
    const r = await seglab('card', model, '--out', cardPath, '--classes-from', root);
    assert.equal(r.code, 0, r.stderr);
    const p = await seglab('prelabel', root, '--model', model, '--json');
    assert.equal(p.code, 0, p.stderr);
    const json = JSON.parse(p.stdout);
    for (const [stem, [w, h]] of stems)
      assert.equal(wrongPixels('uint8', compatImage(w, h), decodePng(readFileSync(join(json.outDir, `${stem}.png`))).data).wrong, 0);
  });
  test('more channels than dataset classes: a classMap to fill in, listed; prelabel refuses the card until it is filled in', async (t) => {
    const root = tempDir(t);
    const stems = compatDataset(root);
    const { model, card: cardPath } = useModel(root, 'superset', null);
    const r = await seglab('card', model, '--out', cardPath, '--classes-from', root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /default: classes: the model has 5 channels, more than the dataset's 4 classes: 5 generic names \(class_0\.\.\.\) and a classMap/);
    assert.match(r.stderr, /edit before use with .*classMap: none of the model's classes maps to a class of the dataset/);
    const card = JSON.parse(readFileSync(cardPath, 'utf8'));
    assert.deepEqual(card.classMap, { 0: null, 1: null, 2: null, 3: null, 4: null });
    const refused = await seglab('prelabel', root, '--model', model, '--json');
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(JSON.parse(refused.stdout).file, cardPath);
    // Filled in (R -> red, G -> green; the rest unlabeled) and with the model's own 0-1 input: the superset known answer.
    writeFileSync(cardPath, JSON.stringify({ ...card, classMap: { ...card.classMap, 0: 1, 1: 2 }, input: { ...card.input, mean: [0, 0, 0], std: [1, 1, 1] } }));
    const p = await seglab('prelabel', root, '--model', model, '--json');
    assert.equal(p.code, 0, p.stderr);
    const json = JSON.parse(p.stdout);
    for (const [stem, [w, h]] of stems)
      assert.equal(wrongPixels('superset', compatImage(w, h), decodePng(readFileSync(join(json.outDir, `${stem}.png`))).data).wrong, 0);
  });
});
