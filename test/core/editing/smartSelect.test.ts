import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paintSelection } from '../../../src/core/editing/selection';
import { SmartSelectState } from '../../../src/core/editing/smartSelect';
import { ChangeTracker } from '../../../src/core/editing/tracker';
import { applyDelta } from '../../../src/core/editing/delta';
import type { Selection } from '../../../src/core/model/promptable/selection';

const candidate = (tag: number) => ({ mask: Uint8Array.of(tag), score: tag / 10, lowRes: Float32Array.of(tag) });
const selection = (...tags: number[]): Selection => ({ width: 1, height: 1, candidates: tags.map(candidate) });

test('SmartSelectState: every point and the latest box go to the decoder, with the shown candidate as mask_input', () => {
  const s = new SmartSelectState();
  const r1 = s.add({ kind: 'point', x: 10, y: 20, positive: true });
  assert.deepEqual(r1.prompt, { points: [{ x: 10, y: 20, positive: true }], box: undefined });
  assert.equal(r1.previous, undefined);
  assert.ok(s.setResult(r1, selection(1, 2, 3)));
  s.cycle();
  assert.equal(s.current()?.score, 0.2);
  const r2 = s.add({ kind: 'box', x0: 1, y0: 2, x1: 30, y1: 40 });
  const r3 = s.add({ kind: 'point', x: 5, y: 6, positive: false });
  // r2's answer arrives after r3 was asked: ignored, the candidate shown stays.
  assert.equal(s.setResult(r2, selection(9)), false);
  assert.deepEqual([...(r2.previous ?? [])], [2]);
  assert.deepEqual(r3.prompt, {
    points: [
      { x: 10, y: 20, positive: true },
      { x: 5, y: 6, positive: false },
    ],
    box: { x0: 1, y0: 2, x1: 30, y1: 40 },
  });
  assert.equal(s.current()?.score, 0.2);
  assert.ok(s.setResult(r3, selection(4, 5)));
  assert.equal(s.current()?.score, 0.4);
  const r4 = s.add({ kind: 'box', x0: 0, y0: 0, x1: 3, y1: 3 });
  assert.deepEqual(r4.prompt.box, { x0: 0, y0: 0, x1: 3, y1: 3 });
  assert.deepEqual([...(r4.previous ?? [])], [4]);
  // What the tool gives back for reuse at Enter or Esc: every answered step's candidates, never an ignored answer's.
  assert.deepEqual(
    s.candidates().map((c) => c.score),
    [0.1, 0.2, 0.3, 0.4, 0.5],
  );
  s.clear();
  assert.deepEqual(s.candidates(), []);
});

test('SmartSelectState: Backspace returns to the earlier candidate; a late answer for a removed prompt is ignored', () => {
  const s = new SmartSelectState();
  const r1 = s.add({ kind: 'point', x: 1, y: 1, positive: true });
  s.setResult(r1, selection(1, 2));
  s.cycle();
  const r2 = s.add({ kind: 'point', x: 2, y: 2, positive: true });
  s.removeLast();
  assert.equal(s.current()?.score, 0.2);
  const r3 = s.add({ kind: 'point', x: 3, y: 3, positive: false });
  assert.equal(s.setResult(r2, selection(7)), false);
  assert.ok(s.setResult(r3, selection(8)));
  assert.equal(s.promptCount, 2);
  s.cycle(); // one candidate: stays
  assert.equal(s.current()?.score, 0.8);
  s.clear();
  assert.equal(s.current(), undefined);
  assert.equal(s.promptCount, 0);
});

test('paintSelection: selected pixels only, protect mode honoured, ignore pixels kept unless painting ignore; one undoable delta', () => {
  // 4x3 mask: 0 unlabeled, 1/2 classes, 255 ignore.
  const grid = { width: 4, height: 3, data: Uint8Array.of(0, 1, 255, 2, 0, 0, 1, 255, 2, 2, 0, 0) };
  const sel = Uint8Array.of(1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0);
  const paint = (value: number, onlyValue?: number) => {
    const g = { ...grid, data: grid.data.slice() };
    const tracker = new ChangeTracker(g);
    paintSelection(g, tracker, sel, { value, onlyValue }, 255);
    return { g, delta: tracker.finish() };
  };
  const plain = paint(3);
  assert.deepEqual([...plain.g.data], [3, 3, 255, 2, 0, 3, 3, 255, 2, 2, 0, 0]);
  assert.deepEqual([...paint(3, 0).g.data], [3, 1, 255, 2, 0, 3, 1, 255, 2, 2, 0, 0]);
  assert.deepEqual([...paint(3, 1).g.data], [0, 3, 255, 2, 0, 0, 3, 255, 2, 2, 0, 0]);
  assert.deepEqual([...paint(255).g.data], [255, 255, 255, 2, 0, 255, 255, 255, 2, 2, 0, 0]);
  const { g, delta } = plain;
  assert.ok(delta);
  assert.deepEqual(delta.rect, { x0: 0, y0: 0, x1: 4, y1: 2 });
  applyDelta(g, delta, 'undo');
  assert.deepEqual([...g.data], [...grid.data]);
  assert.throws(() => paintSelection(grid, new ChangeTracker(grid), new Uint8Array(3), { value: 1 }, 255), /selection of 3 pixels for a 4x3 mask/);
});

test('SmartSelectState: Backspace onto a prompt whose answer was ignored asks again; shown() counts the candidates', () => {
  const s = new SmartSelectState();
  const r1 = s.add({ kind: 'point', x: 1, y: 1, positive: true });
  const r2 = s.add({ kind: 'point', x: 2, y: 2, positive: false });
  assert.equal(s.setResult(r1, selection(1)), false); // came after r2 was asked
  assert.equal(s.shown(), undefined);
  s.removeLast();
  assert.equal(s.current(), undefined);
  const again = s.reask()!;
  assert.deepEqual(again.prompt, { points: [{ x: 1, y: 1, positive: true }], box: undefined });
  assert.equal(again.previous, undefined);
  assert.equal(s.setResult(r1, selection(1)), false, 'the first request is superseded by the new one');
  assert.equal(s.setResult(r2, selection(2)), false);
  assert.ok(s.setResult(again, selection(3, 4, 5)));
  assert.equal(s.reask(), undefined, 'answered: nothing to ask');
  s.cycle();
  assert.deepEqual(s.shown(), { index: 1, count: 3 });
  assert.equal(s.current()?.score, 0.4);
});
