/**
 * Committing a 0/1 selection (a Smart Select candidate) to the mask as one class: only the
 * selected pixels change, protect mode (`onlyValue`) is honoured, and ignore pixels keep their
 * value unless the selection is painted with the ignore class itself.
 */
import type { PaintOptions, PixelGrid } from './grid';
import type { ChangeTracker } from './tracker';

export function paintSelection(grid: PixelGrid, tracker: ChangeTracker, selection: Uint8Array, paint: PaintOptions, ignoreIndex: number): void {
  const { width, height, data } = grid;
  if (selection.length !== width * height) throw new Error(`selection of ${selection.length} pixels for a ${width}x${height} mask`);
  const keepIgnore = paint.value !== ignoreIndex;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width;) {
      if (!selection[row + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && selection[row + x]) x++;
      tracker.touch(start, y, x, y + 1);
      for (let i = row + start; i < row + x; i++) {
        const v = data[i];
        if ((paint.onlyValue === undefined || v === paint.onlyValue) && !(keepIgnore && v === ignoreIndex)) data[i] = paint.value;
      }
    }
  }
}
