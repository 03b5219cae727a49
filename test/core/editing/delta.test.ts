import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strokeSegment } from '../../../src/core/editing/brush';
import { applyDelta, deltaMatches, deserializeDelta, serializeDelta } from '../../../src/core/editing/delta';
import { floodFill } from '../../../src/core/editing/fill';
import { decodeRle, encodeRle } from '../../../src/core/editing/rle';
import { ChangeTracker } from '../../../src/core/editing/tracker';
import { blank, gridOf, rowsOf } from './helpers';

test('run-length coding round-trips long and short runs', () => {
  const bytes = new Uint8Array(100_000);
  bytes.fill(7, 10, 99_000);
  bytes[5] = 255;
  const rle = encodeRle(bytes);
  assert.ok(rle.length < 20);
  assert.deepEqual(decodeRle(rle, bytes.length), bytes);
  assert.throws(() => decodeRle(rle, 10), /longer than expected/);
});

test('a delta undoes and redoes a gesture exactly and survives serialization', () => {
  const g = gridOf(['....', '.22.', '....']);
  const original = rowsOf(g);
  const t = new ChangeTracker(g);
  strokeSegment(g, t, { x: 0, y: 0 }, { x: 3, y: 2 }, { shape: 'square', size: 2 }, { value: 1 });
  const painted = rowsOf(g);
  const delta = deserializeDelta(serializeDelta(t.finish()!), 4, 3);
  assert.ok(deltaMatches(g, delta, 'after'));
  applyDelta(g, delta, 'undo');
  assert.deepEqual(rowsOf(g), original);
  applyDelta(g, delta, 'redo');
  assert.deepEqual(rowsOf(g), painted);
});

test('an edit that changes nothing yields no delta', () => {
  const g = gridOf(['11', '11']);
  const t = new ChangeTracker(g);
  floodFill(g, t, 0, 0, { value: 1 });
  assert.equal(t.finish(), undefined);
});

test('bad serialized deltas are rejected with a reason', () => {
  const g = blank(4, 4);
  const t = new ChangeTracker(g);
  floodFill(g, t, 0, 0, { value: 1 });
  const good = serializeDelta(t.finish()!);
  assert.throws(() => deserializeDelta(good, 3, 3), /outside the 3x3 mask/);
  assert.throws(() => deserializeDelta(good.slice(0, good.byteLength - 1), 4, 4), /lengths|cover/);
  assert.throws(() => deserializeDelta(new ArrayBuffer(4), 4, 4), /too short/);
});

test('200 brush strokes on a 4096x4096 mask stay small', () => {
  const g = blank(4096, 4096);
  let total = 0;
  for (let s = 0; s < 200; s++) {
    const t = new ChangeTracker(g);
    const y = (s * 97) % 4000;
    const x = (s * 211) % 3600;
    strokeSegment(g, t, { x, y }, { x: x + 400, y: y + 50 }, { shape: 'round', size: 64 }, { value: (s % 20) + 1 });
    total += serializeDelta(t.finish()!).byteLength;
  }
  assert.ok(total < 20 * 1024 * 1024, `deltas take ${total} bytes`);
});
