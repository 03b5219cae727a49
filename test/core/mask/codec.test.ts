import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decode, encode, type ImageData } from 'fast-png';
import { defaultClasses, paletteFor, type ClassDef } from '../../../src/core/classes';
import { DataError } from '../../../src/core/errors';
import { decodeMask, encodeMask, type Mask } from '../../../src/core/mask/codec';
import { setMaskZlib, type MaskZlib } from '../../../src/core/mask/zlib';
import { nodeZlib } from '../../../src/node/zlibCodec';
import { randomBytes, rng } from '../metrics/random';
import { packBits, readChunks, withIhdr, writeChunks } from './pngBytes';

const PATH = 'data/masks/a.png';
const classes = defaultClasses();

function randomMask(seed: number, width: number, height: number, max = 256): Mask {
  return { width, height, data: randomBytes(rng(seed), width * height, max) };
}

function decodeAt(bytes: Uint8Array, extra: { classes?: readonly ClassDef[]; maxPixels?: number } = {}): Mask {
  return decodeMask(bytes, { path: PATH, classes: extra.classes ?? classes, maxPixels: extra.maxPixels });
}

/** Asserts a DataError that names the file and matches `detail`. */
function assertDataError(fn: () => unknown, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.path, PATH);
    assert.ok(e.message.startsWith(`${PATH}: `));
    assert.match(e.detail, detail);
    return true;
  });
}

function pngOf(image: ImageData, interlace?: 'Adam7'): Uint8Array {
  return encode(image, interlace ? { interlace } : {});
}

// Every case with the portable zlib (browsers) and with Node's (CLI, extension host, workers).
const ZLIBS: [string, MaskZlib | undefined][] = [
  ['portable fflate', undefined],
  ['Node zlib', nodeZlib],
];

for (const [zlibName, zlib] of ZLIBS)
  describe(`encodeMask / decodeMask with ${zlibName}`, () => {
    before(() => setMaskZlib(zlib));
    after(() => setMaskZlib(undefined));

    it('round-trips indexed masks of many sizes, every byte value included', () => {
      for (const [w, h] of [
        [1, 1],
        [7, 3],
        [64, 33],
        [300, 2],
      ]) {
        const mask = randomMask(w * 1000 + h, w, h);
        assert.deepEqual(decodeAt(encodeMask(mask, classes, 255)), mask);
      }
    });

    it('writes an 8-bit indexed PNG whose palette holds the class colours', () => {
      const own: ClassDef[] = [
        { id: 0, name: 'bg', color: [1, 2, 3] },
        { id: 1, name: 'road', color: [200, 100, 50] },
      ];
      const raw = decode(encodeMask(randomMask(1, 10, 10, 2), own, 255));
      assert.equal(raw.depth, 8);
      assert.equal(raw.channels, 1);
      assert.deepEqual(raw.palette, paletteFor(own, 255));
      assert.deepEqual(raw.palette?.[1], [200, 100, 50]);
      assert.deepEqual(raw.palette?.[255], [224, 224, 192]);
    });

    it('reads 8-bit grayscale masks (value = class)', () => {
      const mask = randomMask(2, 13, 9);
      assert.deepEqual(decodeAt(pngOf({ ...mask, channels: 1, depth: 8 })), mask);
    });

    it('reads 16-bit grayscale masks and names a value above 255 with its pixel', () => {
      const mask = randomMask(3, 11, 5);
      assert.deepEqual(decodeAt(pngOf({ ...mask, data: Uint16Array.from(mask.data), channels: 1, depth: 16 })), mask);
      const wide = Uint16Array.from(mask.data);
      wide[2 * 11 + 4] = 300;
      assertDataError(() => decodeAt(pngOf({ ...mask, data: wide, channels: 1, depth: 16 })), /value 300 at pixel \(4, 2\)/);
    });

    it('reads 1, 2 and 4-bit indexed and grayscale masks', () => {
      for (const depth of [1, 2, 4] as const) {
        for (const width of [1, 5, 9, 16]) {
          const mask = randomMask(depth * 100 + width, width, 3, 1 << depth);
          const data = packBits(mask.data, width, depth);
          const palette = paletteFor(classes, 255).slice(0, 1 << depth);
          assert.deepEqual(decodeAt(pngOf({ width, height: 3, data, channels: 1, depth, palette })), mask, `indexed ${depth}-bit, width ${width}`);
          assert.deepEqual(decodeAt(pngOf({ width, height: 3, data, channels: 1, depth })), mask, `gray ${depth}-bit, width ${width}`);
        }
      }
    });

    it('reads interlaced (Adam7) indexed and 16-bit grayscale masks', () => {
      const mask = randomMask(4, 37, 19);
      const palette = paletteFor(classes, 255);
      assert.deepEqual(decodeAt(pngOf({ ...mask, channels: 1, depth: 8, palette }, 'Adam7')), mask);
      assert.deepEqual(decodeAt(pngOf({ ...mask, data: Uint16Array.from(mask.data), channels: 1, depth: 16 }, 'Adam7')), mask);
    });

    it('maps RGB and RGBA colour masks through the class colours, the ignore colour to the ignore index', () => {
      const ids = randomBytes(rng(5), 20 * 7, 21);
      ids[3] = 255;
      const palette = paletteFor(classes, 255);
      for (const channels of [3, 4] as const) {
        const data = new Uint8Array(ids.length * channels);
        ids.forEach((id, i) => {
          data.set(palette[id], i * channels);
          if (channels === 4) data[i * channels + 3] = i % 2 ? 255 : 0;
        });
        assert.deepEqual(decodeAt(pngOf({ width: 20, height: 7, data, channels, depth: 8 })), { width: 20, height: 7, data: ids });
        assert.deepEqual(decodeAt(pngOf({ width: 20, height: 7, data, channels, depth: 8 }, 'Adam7')).data, ids);
      }
    });

    it('names the file, the colour and a pixel for an unknown colour', () => {
      const data = new Uint8Array(4 * 3 * 3);
      data.set([10, 20, 30], (2 * 4 + 1) * 3);
      assertDataError(() => decodeAt(pngOf({ width: 4, height: 3, data, channels: 3, depth: 8 })), /colour \(10, 20, 30\) at pixel \(1, 2\)/);
    });

    it('uses the lower id when two classes share a colour', () => {
      const twins: ClassDef[] = [
        { id: 0, name: 'a', color: [9, 9, 9] },
        { id: 2, name: 'c', color: [5, 5, 5] },
        { id: 1, name: 'b', color: [5, 5, 5] },
      ];
      const png = pngOf({ width: 2, height: 1, data: Uint8Array.from([9, 9, 9, 5, 5, 5]), channels: 3, depth: 8 });
      assert.deepEqual(Array.from(decodeAt(png, { classes: twins }).data), [0, 1]);
    });

    it('rejects unsupported formats: grayscale+alpha, 16-bit colour, interlaced sub-byte depths', () => {
      const ga = pngOf({ width: 2, height: 2, data: new Uint8Array(8), channels: 2, depth: 8 });
      assertDataError(() => decodeAt(ga), /unsupported mask format: 8-bit grayscale\+alpha/);
      const rgb16 = pngOf({ width: 2, height: 2, data: new Uint16Array(12), channels: 3, depth: 16 });
      assertDataError(() => decodeAt(rgb16), /unsupported mask format: 16-bit RGB/);
      const gray4 = pngOf({ width: 2, height: 2, data: new Uint8Array(2), channels: 1, depth: 4 });
      assertDataError(() => decodeAt(withIhdr(gray4, { interlace: 1 })), /unsupported mask format: interlaced 4-bit grayscale/);
    });

    it('rejects wrong bit depths and colour types in the header', () => {
      const png = encodeMask(randomMask(6, 8, 8), classes, 255);
      assertDataError(() => decodeAt(withIhdr(png, { depth: 3 })), /bit depth 3 is invalid for indexed/);
      assertDataError(() => decodeAt(withIhdr(png, { depth: 16 })), /bit depth 16 is invalid for indexed/);
      assertDataError(() => decodeAt(withIhdr(png, { colorType: 5 })), /unknown colour type 5/);
      assertDataError(() => decodeAt(withIhdr(png, { interlace: 2 })), /interlace/);
      assertDataError(() => decodeAt(withIhdr(png, { width: 0 })), /invalid PNG size 0x8/);
    });

    it('refuses a header that claims absurd dimensions before decoding', () => {
      const png = encodeMask(randomMask(7, 8, 8), classes, 255);
      assertDataError(() => decodeAt(withIhdr(png, { width: 100_000, height: 100_000 })), /100000x100000 pixels, more than the limit of 100000000/);
      assertDataError(() => decodeAt(withIhdr(png, { width: 0xffffffff, height: 0xffffffff })), /more than the limit/);
      assertDataError(() => decodeAt(png, { maxPixels: 63 }), /8x8 pixels, more than the limit of 63/);
    });

    it('gives a DataError for every truncation of a valid file', () => {
      const png = encodeMask(randomMask(8, 16, 16, 21), classes, 255);
      assertDataError(() => decodeAt(png.subarray(0, 0)), /not a PNG file/);
      assertDataError(() => decodeAt(png.subarray(0, 20)), /truncated PNG: the file ends inside the header/);
      assertDataError(() => decodeAt(png.subarray(0, png.length - 20)), /truncated PNG: the file ends inside the IDAT chunk/);
      assertDataError(() => decodeAt(png.subarray(0, png.length - 12)), /truncated PNG: the file ends before the IEND chunk/);
      for (let cut = 0; cut < png.length; cut++) assertDataError(() => decodeAt(png.subarray(0, cut)), /./);
    });

    it('gives a DataError (or the right mask) for any single corrupted byte', () => {
      const mask = randomMask(9, 12, 12, 21);
      const png = encodeMask(mask, classes, 255);
      for (let at = 0; at < png.length; at++) {
        const bad = png.slice();
        bad[at] ^= 0x5a;
        try {
          assert.deepEqual(decodeAt(bad), mask);
        } catch (e) {
          assert.ok(e instanceof DataError && e.path === PATH, `byte ${at}: ${String(e)}`);
        }
      }
      const bad = png.slice();
      bad[png.length - 20] ^= 1;
      assertDataError(() => decodeAt(bad), /corrupt PNG: CRC mismatch in the IDAT chunk at byte \d+/);
      const badHeader = png.slice();
      badHeader[20] ^= 1;
      assertDataError(() => decodeAt(badHeader), /corrupt PNG: CRC mismatch in the IHDR chunk/);
    });

    it('rejects image data that does not inflate, or is too short for the header', () => {
      const png = encodeMask(randomMask(10, 16, 16, 21), classes, 255);
      const chunks = readChunks(png);
      const garbage = chunks.map((c) => (c.type === 'IDAT' ? { type: 'IDAT', data: randomBytes(rng(1), 50) } : c));
      assertDataError(() => decodeAt(writeChunks(garbage)), /corrupt PNG/);
      assertDataError(() => decodeAt(withIhdr(png, { height: 40 })), /corrupt PNG/);
      const noData = chunks.filter((c) => c.type !== 'IDAT');
      assertDataError(() => decodeAt(writeChunks(noData)), /no image data/);
    });

    it('reads image data split over several IDAT chunks, between ancillary chunks', () => {
      const mask = randomMask(11, 50, 40, 21);
      const chunks = readChunks(encodeMask(mask, classes, 255));
      const idat = chunks.find((c) => c.type === 'IDAT')!.data;
      const split = [10, 11, 200].reduce<Uint8Array[]>(
        (parts, cut) => {
          const last = parts.pop()!;
          return [...parts, last.subarray(0, cut), last.subarray(cut)];
        },
        [idat],
      );
      const text = { type: 'tEXt', data: new TextEncoder().encode('Software\0test') };
      const rebuilt = chunks.flatMap((c) => (c.type === 'IDAT' ? [text, ...split.map((data) => ({ type: 'IDAT', data }))] : [c]));
      assert.deepEqual(decodeAt(writeChunks(rebuilt)), mask);
    });

    it('refuses to encode a mask whose data does not match its size', () => {
      assert.throws(() => encodeMask({ width: 3, height: 3, data: new Uint8Array(8) }, classes, 255), RangeError);
      assert.throws(() => encodeMask({ width: 0, height: 0, data: new Uint8Array(0) }, classes, 255), RangeError);
    });
  });
