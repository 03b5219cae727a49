import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { test } from 'node:test';
import { decodeMask, encodeMask } from '../../src/core/mask/codec';
import { crc32 } from '../../src/core/mask/crc32';
import { decodeMaskNative } from '../../src/miou/nativeDecode';
import { maskPair, MIOU_CLASSES } from './generate';
import { indexedMask, rgbMask } from '../core/dataset/fixtures';

const W = 37;
const H = 23;

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set([...type].map((c) => c.charCodeAt(0)), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** An 8-bit grayscale PNG whose row y uses filter `filters[y % n]`, with the IDAT split in two. */
function filteredPng(values: Uint8Array, filters: number[]): Uint8Array {
  const raw = new Uint8Array(H * (W + 1));
  const at = (x: number, y: number) => (x < 0 || y < 0 ? 0 : values[y * W + x]);
  for (let y = 0; y < H; y++) {
    const f = filters[y % filters.length];
    raw[y * (W + 1)] = f;
    for (let x = 0; x < W; x++) {
      const [a, b, c] = [at(x - 1, y), at(x, y - 1), at(x - 1, y - 1)];
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f];
      raw[y * (W + 1) + 1 + x] = (at(x, y) - pred) & 255;
    }
  }
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, W);
  new DataView(ihdr.buffer).setUint32(4, H);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const z = deflateSync(raw);
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', z.subarray(0, 10)), chunk('IDAT', z.subarray(10)), chunk('IEND', new Uint8Array())];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

const opts = { path: 'm.png', classes: MIOU_CLASSES };
const values = maskPair(3, W, H).gt.map((v, i) => (v === 255 ? 255 : (v * 37 + i) & 255));

test('every PNG row filter decodes as the core decoder does', () => {
  for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]]) {
    const png = filteredPng(values, filters);
    assert.deepEqual(decodeMaskNative(png, opts), decodeMask(png, opts), `filters ${filters}`);
    assert.deepEqual(decodeMaskNative(png, opts).data, values);
  }
});

test('indexed masks take the fast path; RGB masks and broken files fall back with the same result or error', () => {
  const { gt } = maskPair(1, W, H);
  for (const png of [encodeMask({ width: W, height: H, data: gt }, MIOU_CLASSES, 255), indexedMask(W, H, gt), rgbMask(W, H, gt.map((v) => (v === 255 ? 0 : v)), MIOU_CLASSES)]) {
    assert.deepEqual(decodeMaskNative(png, opts), decodeMask(png, opts));
  }
  const bad = filteredPng(values, [0]);
  bad[bad.length - 20] ^= 0xff; // inside the IDAT: CRC mismatch
  assert.throws(() => decodeMaskNative(bad, opts), /^DataError: m\.png: corrupt PNG: CRC mismatch/);
  assert.throws(() => decodeMaskNative(new Uint8Array([1, 2, 3]), opts), /^DataError: m\.png: not a PNG file/);
});
