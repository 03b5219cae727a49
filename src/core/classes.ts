import { DataError } from './errors';

export type Rgb = [number, number, number];

export interface ClassDef {
  id: number;
  name: string;
  color: Rgb;
}

/** C for a class list: values 0..C-1 are classes; ids need not be contiguous. */
export function numClassesOf(classes: readonly ClassDef[]): number {
  return Math.max(...classes.map((c) => c.id)) + 1;
}

/** Pascal VOC's 256-entry colormap: the bits of the index interleaved into r, g, b. */
export function vocColor(index: number): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  let c = index;
  for (let shift = 7; shift >= 0; shift--) {
    r |= (c & 1) << shift;
    g |= ((c >> 1) & 1) << shift;
    b |= ((c >> 2) & 1) << shift;
    c >>= 3;
  }
  return [r, g, b];
}

const VOC_NAMES = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
];

/** Classes for a dataset that names none: VOC colours, VOC names for the first 21, then `class_N`. */
export function defaultClasses(count = VOC_NAMES.length): ClassDef[] {
  return Array.from({ length: count }, (_, id) => ({ id, name: VOC_NAMES[id] ?? `class_${id}`, color: vocColor(id) }));
}

/**
 * CVAT "Segmentation mask 1.1" labelmap.txt: `name:r,g,b:parts:actions` per line, `#` comments,
 * line order = class index.
 */
export function parseLabelmap(text: string, path: string): ClassDef[] {
  const classes: ClassDef[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, lineNo) => {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) return;
    const [name, rgb] = line.split(':');
    const parts = (rgb ?? '').split(',').map((s) => Number(s.trim()));
    if (!name || parts.length !== 3 || parts.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
      throw new DataError(path, `line ${lineNo + 1}: expected "name:r,g,b:parts:actions", got "${line}"`);
    }
    classes.push({ id: classes.length, name: name.trim(), color: parts as Rgb });
  });
  if (classes.length === 0) throw new DataError(path, 'no classes defined');
  return classes;
}

export function formatLabelmap(classes: readonly ClassDef[]): string {
  return ['# label:color_rgb:parts:actions', ...classes.map((c) => `${c.name}:${c.color.join(',')}::`)].join('\n') + '\n';
}

/**
 * A 256-entry palette (flat r,g,b) for indexed PNGs: class colours at their ids, VOC colours
 * elsewhere, and the ignore index in VOC's conventional off-white when no class claims it.
 */
export function paletteFor(classes: readonly ClassDef[], ignoreIndex: number): Rgb[] {
  const palette: Rgb[] = Array.from({ length: 256 }, (_, i) => vocColor(i));
  if (ignoreIndex >= 0 && ignoreIndex < 256) palette[ignoreIndex] = [224, 224, 192];
  for (const c of classes) palette[c.id] = [...c.color];
  return palette;
}
