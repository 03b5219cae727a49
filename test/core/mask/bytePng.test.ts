import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { decode } from 'fast-png';
import { defaultClasses } from '../../../src/core/classes';
import { DataError } from '../../../src/core/errors';
import { decodeMask, encodeMask } from '../../../src/core/mask/codec';
import { setMaskZlib, type MaskZlib } from '../../../src/core/mask/zlib';
import { nodeZlib } from '../../../src/node/zlibCodec';
import { randomBytes, rng } from '../metrics/random';
import { readChunks, writeChunks } from './pngBytes';

const PATH = 'masks/m.png';
const classes = defaultClasses();
const W = 37;
const H = 23;

/** Row data for `values` where row y uses filter `filters[y % n]` (out-of-range filters kept as given). */
function filteredRows(values: Uint8Array, width: number, height: number, filters: number[]): Uint8Array {
  const raw = new Uint8Array(height * (width + 1));
  const at = (x: number, y: number) => (x < 0 || y < 0 ? 0 : values[y * width + x]);
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length];
    raw[y * (width + 1)] = f;
    for (let x = 0; x < width; x++) {
      const [a, b, c] = [at(x - 1, y), at(x, y - 1), at(x - 1, y - 1)];
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f] ?? 0;
      raw[y * (width + 1) + 1 + x] = (at(x, y) - pred) & 255;
    }
  }
  return raw;
}

/** An 8-bit PNG (grayscale or indexed) holding `zlibData` as image data, split over IDAT chunks at `cuts`. */
function pngWith(zlibData: Uint8Array, width: number, height: number, colorType: 0 | 3, cuts: number[] = []): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  const bounds = [0, ...cuts, zlibData.length];
  const idats = bounds.slice(1).map((end, i) => ({ type: 'IDAT', data: zlibData.subarray(bounds[i], end) }));
  const plte = colorType === 3 ? [{ type: 'PLTE', data: new Uint8Array(256 * 3) }] : [];
  return writeChunks([{ type: 'IHDR', data: ihdr }, ...plte, ...idats, { type: 'IEND', data: new Uint8Array(0) }]);
}

function assertDataError(fn: () => unknown, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError && e.path === PATH, `expected a DataError naming ${PATH}, got ${String(e)}`);
    assert.match(e.detail, detail);
    return true;
  });
}

const decodeAt = (png: Uint8Array) => decodeMask(png, { path: PATH, classes });

const ZLIBS: [string, MaskZlib | undefined][] = [
  ['portable fflate', undefined],
  ['Node zlib', nodeZlib],
];

for (const [name, zlib] of ZLIBS) {
  describe(`8-bit mask fast path with ${name}`, () => {
    before(() => setMaskZlib(zlib));
    after(() => setMaskZlib(undefined));

    it('undoes every PNG row filter, alone and mixed, over IDAT chunks split anywhere', () => {
      const values = randomBytes(rng(3), W * H, 256);
      for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4], [4, 3, 2, 1]]) {
        for (const colorType of [0, 3] as const) {
          const png = pngWith(deflateSync(filteredRows(values, W, H, filters)), W, H, colorType, [1, 10, 11]);
          assert.deepEqual(decodeAt(png), { width: W, height: H, data: values }, `filters ${filters}, colour type ${colorType}`);
          assert.deepEqual(decodeAt(png).data, decode(png).data, 'as fast-png reads it');
        }
      }
    });

    it('reads one-pixel-wide and one-row images with every filter', () => {
      for (const [w, h] of [
        [1, 9],
        [9, 1],
        [1, 1],
      ]) {
        const values = randomBytes(rng(w * 10 + h), w * h, 256);
        const png = pngWith(deflateSync(filteredRows(values, w, h, [0, 1, 2, 3, 4])), w, h, 3);
        assert.deepEqual(decodeAt(png).data, values, `${w}x${h}`);
      }
    });

    it('names an unknown row filter and its row', () => {
      const values = randomBytes(rng(4), W * H, 256);
      const raw = filteredRows(values, W, H, [1]);
      raw[5 * (W + 1)] = 5;
      assertDataError(() => decodeAt(pngWith(deflateSync(raw), W, H, 0)), /unknown row filter 5 in row 5/);
    });

    it('refuses image data that inflates to less or more than the header promises', () => {
      const raw = filteredRows(randomBytes(rng(5), W * H, 256), W, H, [0]);
      assertDataError(
        () => decodeAt(pngWith(deflateSync(raw.subarray(0, raw.length - 1)), W, H, 0)),
        new RegExp(`inflates to ${raw.length - 1} bytes, less than the ${raw.length}`),
      );
      assertDataError(() => decodeAt(pngWith(deflateSync(raw.subarray(0, W + 1)), W, H, 0)), /less than the/);
      const longer = new Uint8Array(raw.length + 1);
      longer.set(raw);
      assertDataError(() => decodeAt(pngWith(deflateSync(longer), W, H, 0)), /inflates to more than the/);
      // Far more (a zlib bomb): refused without inflating it all.
      assertDataError(() => decodeAt(pngWith(deflateSync(new Uint8Array(4e6)), W, H, 0)), /corrupt PNG: the image data (does not inflate|inflates to more)/);
    });

    it('refuses a zlib stream that is cut short or is not zlib, with valid chunk CRCs', () => {
      const z = deflateSync(filteredRows(randomBytes(rng(6), W * H, 21), W, H, [2]));
      for (let cut = 0; cut < z.length; cut++) assertDataError(() => decodeAt(pngWith(z.subarray(0, cut), W, H, 0)), /corrupt PNG: the image data/);
      assertDataError(() => decodeAt(pngWith(randomBytes(rng(7), 80, 256), W, H, 0)), /corrupt PNG: the image data/);
    });

    it('writes a valid indexed PNG that both decoders read back, with the class palette', () => {
      const mask = { width: 300, height: 41, data: randomBytes(rng(8), 300 * 41, 21) };
      const png = encodeMask(mask, classes, 255);
      assert.deepEqual(decodeAt(png), mask);
      const other = decode(png);
      assert.deepEqual([other.width, other.height, other.depth, other.channels], [300, 41, 8, 1]);
      assert.deepEqual(other.data, mask.data);
      assert.deepEqual(
        readChunks(png).map((c) => c.type),
        ['IHDR', 'PLTE', 'IDAT', 'IEND'],
      );
    });
  });
}
