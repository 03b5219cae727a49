import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBrush, encodeBrush, labelRuns } from '../../../src/core/formats/labelStudioRle';
import { randInt, rng } from '../metrics/random';

const encodeBits = (bits: number[]) => encodeBrush(labelRuns(Uint8Array.from(bits)), 1);

test('known answers: bytes written from the format description (header, then runs of 4x the pixels)', () => {
  // 2 pixels [painted, not]: header 8 values, word size 8, fields 3,4,8,16; run of 4 x 255, run of 4 x 0
  assert.deepEqual(encodeBits([1, 0]), [0, 0, 0, 8, 57, 27, 252, 127, 241, 128, 0]);
  assert.deepEqual(encodeBits([0, 0, 1, 1, 1, 0]), [0, 0, 0, 24, 57, 27, 252, 224, 22, 255, 227, 0]);
  // 80,000 values: one 16-bit run of 65,536, then the remaining 14,464
  const long = encodeBits(new Array(20000).fill(1));
  assert.deepEqual(long, [0, 1, 56, 128, 57, 27, 255, 255, 255, 255, 231, 15, 255, 224]);
  assert.deepEqual([...decodeBrush(long, 20000)], new Array(20000).fill(1));
});

test('literal blocks, alpha threshold 128 and other colours decode as painted by their alpha', () => {
  // Hand-built: num 8, word size 8, fields 3,4,8,16, one literal block of 8 words:
  // pixel 0 = (255, 0, 0, 127) not painted, pixel 1 = (0, 0, 255, 128) painted.
  const bits =
    (8).toString(2).padStart(32, '0') +
    '00111' +
    '0010001101111111' +
    '0' +
    '00' +
    '111' +
    [255, 0, 0, 127, 0, 0, 255, 128].map((v) => v.toString(2).padStart(8, '0')).join('');
  const bytes = (bits + '0'.repeat((8 - (bits.length % 8)) % 8)).match(/.{8}/g)!.map((b) => parseInt(b, 2));
  assert.deepEqual([...decodeBrush(bytes, 2)], [0, 1]);
});

test('random masks of odd sizes round-trip', () => {
  const random = rng(3);
  for (let trial = 0; trial < 40; trial++) {
    const pixels = 1 + randInt(random, 5000);
    const bits: number[] = [];
    // three values: runs of 0 and 2 next to each other are one unpainted run of class 1's brush
    for (let i = 0; i < pixels; i++) bits.push(random() < 0.02 ? randInt(random, 3) : (bits[i - 1] ?? 0));
    const runs = labelRuns(Uint8Array.from(bits));
    for (const value of [0, 1, 2]) {
      assert.deepEqual(
        [...decodeBrush(encodeBrush(runs, value), pixels)],
        bits.map((b) => (b === value ? 1 : 0)),
      );
    }
  }
});

test('malformed RLE is refused with the reason', () => {
  const rle = encodeBits([1, 0, 1]);
  assert.throws(() => decodeBrush(rle, 4), /holds 12 values, the image needs 16/);
  assert.throws(() => decodeBrush(rle.slice(0, 8), 3), /ends in the middle of a block/);
  assert.throws(() => decodeBrush([...rle.slice(0, 3), 300], 3), /rle\[3\] is 300, not a byte/);
});
