import type { ClassDef } from '../classes';
import type { Mask } from './codec';

/** value -> pixel count for values that are neither a class id nor the ignore index. */
export function countUnknownValues(mask: Mask, classes: readonly ClassDef[], ignoreIndex: number): Map<number, number> {
  const histogram = new Uint32Array(256);
  const data = mask.data;
  for (let i = 0; i < data.length; i++) histogram[data[i]]++;
  const known = new Set(classes.map((c) => c.id));
  known.add(ignoreIndex);
  const unknown = new Map<number, number>();
  for (let v = 0; v < 256; v++) if (histogram[v] > 0 && !known.has(v)) unknown.set(v, histogram[v]);
  return unknown;
}
