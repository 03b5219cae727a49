/** Value tables for datasets whose stored values are not SegLab's class ids (Cityscapes, ADE20K). */
import { DataError } from '../errors';
import type { Mask } from '../mask/codec';

/** 256 entries: the class id (or ignore) each stored value becomes, -1 for a value the format never stores. */
export type ValueTable = Int16Array;

export function valueTable(pairs: Iterable<[from: number, to: number]>, otherwise: number): ValueTable {
  const table = new Int16Array(256).fill(otherwise);
  for (const [from, to] of pairs) table[from] = to;
  return table;
}

/** The mask with every value looked up in `table`, in place; a -1 entry is a DataError naming the file and pixel, saying the value is not `what`. */
export function remapMask(mask: Mask, table: ValueTable, path: string, what: string): Mask {
  const { data, width } = mask;
  for (let i = 0; i < data.length; i++) {
    const to = table[data[i]];
    if (to < 0) throw new DataError(path, `value ${data[i]} at pixel (${i % width}, ${Math.floor(i / width)}) is not ${what}`);
    data[i] = to;
  }
  return mask;
}
