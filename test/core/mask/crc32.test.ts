import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from '../../../src/core/mask/crc32';
import { randomBytes, rng } from '../metrics/random';

/** The textbook bytewise CRC-32, as a reference. */
function slowCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('gives the standard check values', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    assert.equal(crc32(new TextEncoder().encode('IEND')), 0xae426082);
  });

  it('matches the bytewise definition on random data of every length mod 8, and on ranges', () => {
    const random = rng(11);
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(random, length);
      assert.equal(crc32(bytes), slowCrc32(bytes), `length ${length}`);
    }
    const bytes = randomBytes(random, 1000);
    assert.equal(crc32(bytes, 3, 990), slowCrc32(bytes.subarray(3, 990)));
  });
});
