import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultClasses, formatLabelmap, paletteFor, parseLabelmap, vocColor } from '../../src/core/classes';
import { DataError } from '../../src/core/errors';

describe('vocColor', () => {
  it('gives the standard VOC colormap', () => {
    assert.deepEqual(vocColor(0), [0, 0, 0]);
    assert.deepEqual(vocColor(1), [128, 0, 0]);
    assert.deepEqual(vocColor(2), [0, 128, 0]);
    assert.deepEqual(vocColor(15), [192, 128, 128]);
    assert.deepEqual(vocColor(20), [0, 64, 128]);
    assert.deepEqual(vocColor(255), [224, 224, 192]);
  });

  it('gives 256 distinct colours', () => {
    const keys = new Set(Array.from({ length: 256 }, (_, i) => vocColor(i).join()));
    assert.equal(keys.size, 256);
  });
});

describe('defaultClasses', () => {
  it('uses VOC names for the first 21 classes, then class_N', () => {
    const classes = defaultClasses(23);
    assert.deepEqual(classes[0], { id: 0, name: 'background', color: [0, 0, 0] });
    assert.equal(classes[20].name, 'tvmonitor');
    assert.equal(classes[22].name, 'class_22');
    assert.equal(defaultClasses().length, 21);
  });
});

describe('parseLabelmap', () => {
  it('reads CVAT labelmap lines in order, skipping comments and blank lines', () => {
    const text = '# label:color_rgb:parts:actions\r\nbackground:0,0,0::\n\n  road : 128, 64,128 :: \ncar:0,0,142:wheel:\n';
    assert.deepEqual(parseLabelmap(text, 'ds/labelmap.txt'), [
      { id: 0, name: 'background', color: [0, 0, 0] },
      { id: 1, name: 'road', color: [128, 64, 128] },
      { id: 2, name: 'car', color: [0, 0, 142] },
    ]);
  });

  it('round-trips through formatLabelmap', () => {
    const classes = defaultClasses(5);
    assert.deepEqual(parseLabelmap(formatLabelmap(classes), 'l.txt'), classes);
  });

  it('names the file and the line for malformed entries', () => {
    const bad: [string, RegExp][] = [
      ['a:0,0,0::\nb:256,0,0::', /line 2: expected/],
      ['a:1,2::', /line 1: expected/],
      [':1,2,3::', /line 1: expected/],
      ['a:x,2,3::', /line 1: expected/],
      ['a', /line 1: expected/],
    ];
    for (const [text, detail] of bad) {
      assert.throws(
        () => parseLabelmap(text, 'ds/labelmap.txt'),
        (e: unknown) => e instanceof DataError && e.path === 'ds/labelmap.txt' && detail.test(e.detail),
        text,
      );
    }
  });

  it('rejects a labelmap with no classes', () => {
    assert.throws(
      () => parseLabelmap('# only a comment\n\n', 'l.txt'),
      (e: unknown) => e instanceof DataError && e.message === 'l.txt: no classes defined',
    );
  });
});

describe('paletteFor', () => {
  it('puts class colours at their ids, VOC colours elsewhere, and the ignore colour', () => {
    const palette = paletteFor([{ id: 1, name: 'road', color: [1, 2, 3] }], 255);
    assert.equal(palette.length, 256);
    assert.deepEqual(palette[0], vocColor(0));
    assert.deepEqual(palette[1], [1, 2, 3]);
    assert.deepEqual(palette[2], vocColor(2));
    assert.deepEqual(palette[255], [224, 224, 192]);
  });

  it('lets a class that claims the ignore index keep its colour, and ignores an out-of-range index', () => {
    assert.deepEqual(paletteFor([{ id: 7, name: 'x', color: [9, 9, 9] }], 7)[7], [9, 9, 9]);
    assert.deepEqual(paletteFor([], 7)[7], [224, 224, 192]);
    assert.deepEqual(
      paletteFor([], -1),
      Array.from({ length: 256 }, (_, i) => vocColor(i)),
    );
  });

  it('returns copies, so editing the palette leaves the classes alone', () => {
    const classes = defaultClasses(2);
    paletteFor(classes, 255)[1][0] = 7;
    assert.deepEqual(classes[1].color, [128, 0, 0]);
  });
});
