import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultClasses } from '../../../src/core/classes';
import { configToJson, defaultConfig, parseConfig } from '../../../src/core/dataset/config';
import { DataError } from '../../../src/core/errors';

const base = defaultConfig('ds');
const parse = (obj: unknown) => parseConfig(JSON.stringify(obj), base, '/d/seglab.json');

function rejects(obj: unknown, field: RegExp) {
  assert.throws(
    () => (typeof obj === 'string' ? parseConfig(obj, base, '/d/seglab.json') : parse(obj)),
    (err: DataError) => err instanceof DataError && err.message.startsWith('/d/seglab.json: ') && field.test(err.message),
  );
}

test('an empty object gives the defaults', () => {
  const c = parse({});
  assert.deepEqual(c, {
    name: 'ds',
    classes: defaultClasses(),
    ignoreIndex: 255,
    imagesDir: 'images',
    masksDir: 'masks',
    predictionsDir: 'predictions',
    splits: {},
  });
});

test('every field is read; classes come back sorted by id', () => {
  const c = parse({
    name: 'roads',
    classes: [
      { id: 2, name: 'car', color: [0, 0, 142] },
      { id: 0, name: 'bg', color: [0, 0, 0] },
    ],
    ignoreIndex: 0 + 254,
    imagesDir: 'img/',
    masksDir: 'lbl',
    predictionsDir: 'preds',
    splits: { train: 'splits/train.txt' },
  });
  assert.equal(c.name, 'roads');
  assert.deepEqual(
    c.classes.map((k) => k.id),
    [0, 2],
  );
  assert.equal(c.ignoreIndex, 254);
  assert.equal(c.imagesDir, 'img');
  assert.deepEqual(c.splits, { train: 'splits/train.txt' });
});

test('keys left out keep the detected base', () => {
  const voc = { ...base, imagesDir: 'JPEGImages', masksDir: 'SegmentationClass', splits: { val: 'ImageSets/Segmentation/val.txt' } };
  const c = parseConfig('{"name":"x"}', voc, 'seglab.json');
  assert.equal(c.imagesDir, 'JPEGImages');
  assert.deepEqual(c.splits, voc.splits);
});

test('mistakes are DataErrors naming seglab.json and the field', () => {
  rejects('{ "name": ', /not valid JSON/);
  rejects([], /expected a JSON object/);
  rejects({ ignoreindex: 0 }, /unknown key "ignoreindex"/);
  rejects({ name: '' }, /name: expected a non-empty string/);
  rejects({ ignoreIndex: 256 }, /ignoreIndex: expected an integer 0-255/);
  rejects({ classes: {} }, /classes: expected an array/);
  rejects({ classes: [] }, /classes: at least one class/);
  rejects({ classes: [{ id: 0, name: 'a', color: [0, 0, 0], colour: 1 }] }, /classes\[0\]: unknown key "colour"/);
  rejects(
    {
      classes: [
        { id: 0, name: 'a', color: [0, 0, 0] },
        { id: 0, name: 'b', color: [1, 1, 1] },
      ],
    },
    /classes\[1\]\.id: 0 is already used by classes\[0\]/,
  );
  rejects(
    {
      classes: [
        { id: 0, name: 'a', color: [0, 0, 0] },
        { id: 1, name: 'a', color: [1, 1, 1] },
      ],
    },
    /classes\[1\]\.name/,
  );
  rejects(
    {
      classes: [
        { id: 0, name: 'a', color: [0, 0, 0] },
        { id: 1, name: 'b', color: [0, 0, 0] },
      ],
    },
    /classes\[1\]\.color: \[0,0,0\] is already used/,
  );
  rejects({ classes: [{ id: 0, name: 'a', color: [0, 0, 256] }] }, /classes\[0\]\.color: expected \[r, g, b\]/);
  rejects({ classes: [{ id: 0, name: 'a', color: '#fff' }] }, /classes\[0\]\.color/);
  rejects({ classes: [{ id: 255, name: 'a', color: [0, 0, 0] }] }, /classes\[0\]\.id: 255 is the ignore index/);
  rejects({ classes: [{ id: 300, name: 'a', color: [0, 0, 0] }], ignoreIndex: 0 }, /classes\[0\]\.id: expected an integer 0-255/);
  rejects({ classes: [{ id: 1.5, name: 'a', color: [0, 0, 0] }] }, /classes\[0\]\.id/);
  rejects({ imagesDir: '../elsewhere' }, /imagesDir: "..\/elsewhere" must be a path inside/);
  rejects({ masksDir: '/abs' }, /masksDir/);
  rejects({ splits: ['train.txt'] }, /splits: expected an object/);
  rejects({ splits: { train: 3 } }, /splits\.train: expected a non-empty relative path/);
});

test('configToJson round-trips through parseConfig and keeps one class per line', () => {
  const c = parse({
    name: 'a "quoted" name',
    classes: [
      { id: 0, name: 'bg', color: [1, 2, 3] },
      { id: 7, name: 'x', color: [4, 5, 6] },
    ],
    splits: { val: 'v.txt' },
  });
  const text = configToJson(c);
  assert.deepEqual(parseConfig(text, base), c);
  assert.match(text, /\n {4}\{ "id": 7, "name": "x", "color": \[4, 5, 6\] \}\n/);
});
