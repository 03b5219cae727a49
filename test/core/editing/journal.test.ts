import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strokeSegment } from '../../../src/core/editing/brush';
import { applyDelta, type MaskDelta } from '../../../src/core/editing/delta';
import { ChangeTracker } from '../../../src/core/editing/tracker';
import { isJournal, replayJournal, serializeJournal, type JournalEntry } from '../../../src/core/editing/journal';

function grid() {
  return { width: 16, height: 8, data: new Uint8Array(128) };
}

function stroke(g: ReturnType<typeof grid>, y: number, value: number): MaskDelta {
  const t = new ChangeTracker(g);
  strokeSegment(g, t, { x: 0, y }, { x: 15, y }, { shape: 'square', size: 2 }, { value });
  return t.finish()!;
}

test('a backup of edits, an undo and a redo replays onto the saved mask', () => {
  const edited = grid();
  const a = stroke(edited, 1, 3);
  const b = stroke(edited, 5, 4);
  applyDelta(edited, b, 'undo');
  applyDelta(edited, b, 'redo');
  applyDelta(edited, a, 'undo');
  const journal: JournalEntry[] = [
    { delta: a, direction: 'redo' },
    { delta: b, direction: 'redo' },
    { delta: b, direction: 'undo' },
    { delta: b, direction: 'redo' },
    { delta: a, direction: 'undo' },
  ];
  const bytes = serializeJournal(journal);
  assert.ok(isJournal(bytes));
  assert.ok(bytes.length < 200, `${bytes.length} bytes`);
  const restored = grid();
  // vscode.workspace.fs.readFile may hand back a Node Buffer inside a shared pool.
  const replayed = replayJournal(restored, Buffer.from(bytes));
  assert.deepEqual(restored.data, edited.data);
  assert.equal(replayed.length, 5);
  assert.deepEqual(replayJournal(grid(), serializeJournal([])), []);
});

test('a backup that no longer fits the mask file is refused and changes nothing', () => {
  const g = grid();
  const bytes = serializeJournal([{ delta: stroke(g, 1, 3), direction: 'redo' }]);
  const changedOnDisk = grid();
  changedOnDisk.data.fill(7);
  assert.throws(() => replayJournal(changedOnDisk, bytes), /changed since the backup/);
  assert.ok(changedOnDisk.data.every((v) => v === 7));
  assert.throws(() => replayJournal(grid(), bytes.subarray(0, bytes.length - 3)), /truncated/);
  assert.throws(() => replayJournal(grid(), new Uint8Array(16)), /not a mask editor backup/);
});
