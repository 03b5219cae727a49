import type { ClassDef } from '../classes';
import type { Mask } from './codec';

/** The values a mask pixel may hold: the class ids and the ignore index. */
export function knownValues(classes: readonly ClassDef[], ignoreIndex: number): Set<number> {
  return new Set([...classes.map((c) => c.id), ignoreIndex]);
}

/** value -> pixel count for values that are neither a class id nor the ignore index. */
export function countUnknownValues(mask: Mask, classes: readonly ClassDef[], ignoreIndex: number): Map<number, number> {
  const histogram = new Uint32Array(256);
  const data = mask.data;
  for (let i = 0; i < data.length; i++) histogram[data[i]]++;
  const known = knownValues(classes, ignoreIndex);
  const unknown = new Map<number, number>();
  for (let v = 0; v < 256; v++) if (histogram[v] > 0 && !known.has(v)) unknown.set(v, histogram[v]);
  return unknown;
}
