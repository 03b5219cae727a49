import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkCounts, countsFromString, countsToString, encodeLabelMap, paintRle, rleBox, toRowMajor } from '../../../src/core/formats/cocoRle';
import { randInt, rng } from '../metrics/random';

/** The format's definition, pixel by pixel: column-major, zeros first. */
function referenceCounts(data: Uint8Array, width: number, height: number, value: number): number[] {
  const counts: number[] = [];
  let bit = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const b = data[y * width + x] === value ? 1 : 0;
      if (b !== bit) {
        counts.push(run);
        bit = b;
        run = 0;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

describe('COCO RLE known answers (computed by hand from maskApi.c)', () => {
  // width 2, height 3; column-major 0 1 0 | 1 1 0
  const data = Uint8Array.from([0, 1, 1, 1, 0, 0]);
  test('a 2x3 label map: one RLE per value, compressed and uncompressed agree', () => {
    const rles = encodeLabelMap(data, 2, 3);
    assert.deepEqual([...rles.keys()].sort(), [0, 1]);
    assert.deepEqual(rles.get(1), [1, 1, 1, 2, 1]);
    assert.deepEqual(rles.get(0), [0, 1, 1, 1, 2, 1]);
    // counts 3 and 4 are stored as differences to counts 1 and 2: 2-1 = 1, 1-1 = 0
    assert.equal(countsToString([1, 1, 1, 2, 1]), '11110');
    assert.equal(countsToString([0, 1, 1, 1, 2, 1]), '011010');
    assert.deepEqual(countsFromString('11110'), [1, 1, 1, 2, 1]);
    assert.deepEqual(countsFromString('011010'), [0, 1, 1, 1, 2, 1]);
  });

  test('negative differences, the sign bit, multi-group numbers', () => {
    // 2 - 10 = -8: one group 11000 (sign set, nothing more) = 24 + 48 = "H"
    assert.equal(countsToString([5, 10, 3, 2]), '5:3H');
    // 100 = 4 + 3*32: "T" (4 | 0x20 continue) then "3"
    assert.equal(countsToString([100]), 'T3');
    // 16 has bit 0x10 set, so a zero group must follow to keep it positive
    assert.equal(countsToString([16]), '`0');
    // 1e6 = 0 + 18<<5 + 16<<10 + 30<<15: groups 0,18,16,30 continued, then 0
    assert.equal(countsToString([0, 1e6]), '0Pb`n0');
    for (const s of ['5:3H', 'T3', '`0', '0Pb`n0']) assert.equal(countsToString(countsFromString(s)), s);
    assert.deepEqual(countsFromString('5:3H'), [5, 10, 3, 2]);
    assert.deepEqual(countsFromString('0Pb`n0'), [0, 1e6]);
  });

  test('all-zero and all-one masks, odd sizes, runs over many columns', () => {
    const zeros = new Uint8Array(7 * 5);
    assert.deepEqual(encodeLabelMap(zeros, 7, 5).get(0), [0, 35]);
    assert.deepEqual(referenceCounts(zeros, 7, 5, 1), [35]);
    const ones = new Uint8Array(1000 * 1000).fill(1);
    const rle = encodeLabelMap(ones, 1000, 1000);
    assert.deepEqual([...rle.entries()], [[1, [0, 1e6]]]);
    assert.equal(countsToString(rle.get(1)!), '0Pb`n0');
    assert.deepEqual(rleBox([0, 1e6], 1000), { area: 1e6, bbox: [0, 0, 1000, 1000] });
    const back = new Uint8Array(1e6);
    assert.equal(paintRle([0, 1e6], back, 1), 1e6);
    assert.deepEqual(toRowMajor(back, 1000, 1000), ones);
  });

  test('bbox and area of a run crossing a column boundary', () => {
    // height 4, width 3: ones at column-major 3..5 = (x0,y3), (x1,y0), (x1,y1)
    assert.deepEqual(rleBox([3, 3, 6], 4), { area: 3, bbox: [0, 0, 2, 4] });
    assert.deepEqual(rleBox([5, 2, 5], 4), { area: 2, bbox: [1, 1, 1, 2] });
    assert.deepEqual(rleBox([12], 4), { area: 0, bbox: [0, 0, 0, 0] });
  });
});

describe('COCO RLE against the definition', () => {
  test('random label maps of odd sizes: encode = reference, decode restores every pixel', () => {
    const random = rng(7);
    for (let trial = 0; trial < 60; trial++) {
      // every other size a multiple of 4, for the word paths (row compare, 4 x 4 transpose)
      const width = trial % 2 ? 4 * (1 + randInt(random, 12)) : 1 + randInt(random, 37);
      const height = trial % 2 ? 4 * (1 + randInt(random, 9)) : 1 + randInt(random, 29);
      const classes = 1 + randInt(random, 5);
      const data = new Uint8Array(width * height);
      // blocky values, so runs span rows and columns
      for (let i = 0; i < data.length; i++) data[i] = random() < 0.15 ? randInt(random, classes) : i > 0 ? data[i - 1] : 0;
      // a third of the maps start at an odd byte offset: the word path must not be taken
      const shifted = new Uint8Array(data.length + 1);
      shifted.set(data, 1);
      const rles = encodeLabelMap(trial % 3 ? data : shifted.subarray(1), width, height);
      const columns = new Uint8Array(data.length).fill(99);
      let area = 0;
      for (const [value, counts] of rles) {
        assert.deepEqual(counts, referenceCounts(data, width, height, value), `${width}x${height} value ${value}`);
        checkCounts(counts, width * height);
        assert.deepEqual(countsFromString(countsToString(counts)), counts);
        area += paintRle(counts, columns, value);
      }
      assert.equal(area, data.length);
      assert.deepEqual(toRowMajor(columns, width, height), data);
    }
  });

  test('malformed input is refused with the reason', () => {
    assert.throws(() => countsFromString('1 2'), /character " " at 1/);
    assert.throws(() => countsFromString('P'), /end in the middle/);
    assert.throws(() => countsFromString('PPPPPPP0'), /too large/);
    assert.throws(() => checkCounts([1, 2], 4), /add up to 3 pixels, the size says 4/);
    assert.throws(() => checkCounts([1, -1, 4], 4), /counts\[1\] is -1/);
    assert.throws(() => checkCounts([1, 'x'], 2), /counts\[1\] is "x"/);
  });
});
