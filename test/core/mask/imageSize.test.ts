import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode as encodeJpeg } from 'jpeg-js';
import { defaultClasses } from '../../../src/core/classes';
import { DataError } from '../../../src/core/errors';
import { encodeMask } from '../../../src/core/mask/codec';
import { readImageSize, storedFromDisplayed } from '../../../src/core/mask/imageSize';

describe('readImageSize', () => {
  it('reads a PNG size from its first 33 bytes', () => {
    const png = encodeMask({ width: 37, height: 5, data: new Uint8Array(37 * 5) }, defaultClasses(), 255);
    assert.deepEqual(readImageSize(png.subarray(0, 33), 'm.png'), { width: 37, height: 5, orientation: 1 });
  });

  it('reads a JPEG size from its head, comments before the frame header included', () => {
    const jpeg = encodeJpeg({ width: 41, height: 23, data: new Uint8Array(41 * 23 * 4), comments: ['x'.repeat(3000)] }, 80).data;
    const head = new Uint8Array(jpeg.buffer, jpeg.byteOffset, Math.min(jpeg.length, 4096));
    assert.deepEqual(readImageSize(head, 'img.jpg'), { width: 41, height: 23, orientation: 1 });
  });

  it('gives a DataError naming the file for unknown or cut-off headers', () => {
    const jpeg = encodeJpeg({ width: 8, height: 8, data: new Uint8Array(256), comments: ['x'.repeat(3000)] }, 80).data;
    const cases = [new Uint8Array(0), new TextEncoder().encode('hello, not an image'), new Uint8Array(jpeg.buffer, jpeg.byteOffset, 100)];
    for (const head of cases) {
      assert.throws(
        () => readImageSize(head, 'img/x.jpg'),
        (e: unknown) => e instanceof DataError && e.message.startsWith('img/x.jpg: cannot read the image size'),
      );
    }
  });
});

describe('storedFromDisplayed', () => {
  // A 3x2 stored image and how a browser shows it under each EXIF orientation (the tag's
  // definition: which stored row / column becomes the visual top / left).
  const w = 3;
  const h = 2;
  const stored = (x: number, y: number) => y * w + x;
  const displayed: Record<number, { width: number; at: (x: number, y: number) => number }> = {
    1: { width: w, at: (x, y) => stored(x, y) },
    2: { width: w, at: (x, y) => stored(w - 1 - x, y) },
    3: { width: w, at: (x, y) => stored(w - 1 - x, h - 1 - y) },
    4: { width: w, at: (x, y) => stored(x, h - 1 - y) },
    5: { width: h, at: (x, y) => stored(y, x) },
    6: { width: h, at: (x, y) => stored(y, h - 1 - x) },
    7: { width: h, at: (x, y) => stored(w - 1 - y, h - 1 - x) },
    8: { width: h, at: (x, y) => stored(w - 1 - y, x) },
  };

  it('draws every displayed pixel back onto its stored position', () => {
    for (const [tag, view] of Object.entries(displayed)) {
      const [a, b, c, d, e, f] = storedFromDisplayed(Number(tag), w, h);
      const viewHeight = (w * h) / view.width;
      for (let y = 0; y < viewHeight; y++) {
        for (let x = 0; x < view.width; x++) {
          // the pixel's centre, through the canvas transform
          const sx = Math.floor(a * (x + 0.5) + c * (y + 0.5) + e);
          const sy = Math.floor(b * (x + 0.5) + d * (y + 0.5) + f);
          assert.equal(stored(sx, sy), view.at(x, y), `orientation ${tag}, displayed (${x}, ${y})`);
        }
      }
    }
  });
});
