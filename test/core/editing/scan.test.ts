import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteView, findByte, runEnd } from '../../../src/core/editing/scan';

test('runEnd and findByte agree with a plain byte loop at every alignment', () => {
  const bytes = new Uint8Array(64).fill(3);
  bytes[37] = 5;
  bytes[50] = 5;
  for (const view of [byteView(bytes), byteView(new Uint8Array(bytes.buffer, 1, 63))]) {
    const b = view.bytes;
    for (let from = 0; from < b.length; from++) {
      const plainEnd = b.findIndex((v, i) => i >= from && v !== b[from]);
      assert.equal(runEnd(view, from, b.length, b[from]), plainEnd < 0 ? b.length : plainEnd);
      const plainFind = b.findIndex((v, i) => i >= from && i < 60 && v === 5);
      assert.equal(findByte(view, from, 60, 5), plainFind < 0 ? 60 : plainFind);
    }
  }
});
