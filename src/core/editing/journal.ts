import { applyDelta, deltaMatches, deserializeDelta, serializeDelta, type MaskDelta } from './delta';
import type { PixelGrid } from './grid';

/** One step applied to the mask since it was loaded or saved. */
export interface JournalEntry {
  delta: MaskDelta;
  direction: 'undo' | 'redo';
}

const MAGIC = 0x4b424c53; // "SLBK" little-endian
const VERSION = 1;

/**
 * The hot-exit backup: the steps applied since the mask file was read or written, not the
 * mask itself, so backing up a 16-megapixel mask after every stroke costs bytes, not a PNG
 * encode. Layout: u32 magic, u32 version, u32 count, then per step u8 direction (1 = redo),
 * u32 length and a serialized delta.
 */
export function serializeJournal(entries: readonly JournalEntry[]): Uint8Array {
  const deltas = entries.map((e) => new Uint8Array(serializeDelta(e.delta)));
  const out = new Uint8Array(12 + deltas.reduce((n, d) => n + 5 + d.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, entries.length, true);
  let pos = 12;
  entries.forEach((e, i) => {
    view.setUint8(pos, e.direction === 'redo' ? 1 : 0);
    view.setUint32(pos + 1, deltas[i].length, true);
    out.set(deltas[i], pos + 5);
    pos += 5 + deltas[i].length;
  });
  return out;
}

export function isJournal(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true) === MAGIC;
}

/**
 * Replays a backup onto the mask it was made from (the mask file as it is now). Every step is
 * checked against the pixels before anything changes, so a mask file edited elsewhere in the
 * meantime is refused (the mask is then left as it was) rather than merged into garbage.
 */
export function replayJournal(grid: PixelGrid, bytes: Uint8Array): JournalEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isJournal(bytes) || view.getUint32(4, true) !== VERSION) throw new Error('not a mask editor backup of this version');
  const count = view.getUint32(8, true);
  const entries: JournalEntry[] = [];
  let pos = 12;
  for (let i = 0; i < count; i++) {
    if (pos + 5 > bytes.length) throw new Error('backup is truncated');
    const direction = view.getUint8(pos) === 1 ? 'redo' : 'undo';
    const length = view.getUint32(pos + 1, true);
    if (pos + 5 + length > bytes.length) throw new Error('backup is truncated');
    // A copy through Uint8Array: a Node Buffer's slice() shares its (pooled) memory.
    const buffer = new Uint8Array(bytes.subarray(pos + 5, pos + 5 + length)).buffer;
    entries.push({ delta: deserializeDelta(buffer, grid.width, grid.height), direction });
    pos += 5 + length;
  }
  const work = { ...grid, data: grid.data.slice() };
  for (const { delta, direction } of entries) {
    if (!deltaMatches(work, delta, direction === 'redo' ? 'before' : 'after')) throw new Error('the mask file changed since the backup was made');
    applyDelta(work, delta, direction);
  }
  grid.data.set(work.data);
  return entries;
}
