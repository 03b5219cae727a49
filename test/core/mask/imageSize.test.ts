import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode as encodeJpeg } from 'jpeg-js';
import { defaultClasses } from '../../../src/core/classes';
import { DataError } from '../../../src/core/errors';
import { encodeMask } from '../../../src/core/mask/codec';
import { readImageSize } from '../../../src/core/mask/imageSize';

describe('readImageSize', () => {
  it('reads a PNG size from its first 33 bytes', () => {
    const png = encodeMask({ width: 37, height: 5, data: new Uint8Array(37 * 5) }, defaultClasses(), 255);
    assert.deepEqual(readImageSize(png.subarray(0, 33), 'm.png'), { width: 37, height: 5 });
  });

  it('reads a JPEG size from its head, comments before the frame header included', () => {
    const jpeg = encodeJpeg({ width: 41, height: 23, data: new Uint8Array(41 * 23 * 4), comments: ['x'.repeat(3000)] }, 80).data;
    const head = new Uint8Array(jpeg.buffer, jpeg.byteOffset, Math.min(jpeg.length, 4096));
    assert.deepEqual(readImageSize(head, 'img.jpg'), { width: 41, height: 23 });
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
