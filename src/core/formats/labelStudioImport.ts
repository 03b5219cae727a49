/**
 * A Label Studio JSON export as a LabelSource. The source is the export file, or a folder holding
 * one .json file; images are looked up in images/ beside it, then beside it. Rules (README
 * "Formats"):
 * - a task's image is its data.image (else its first string in data), matched by file name;
 *   an upload's "1a2b3c4d-" prefix is dropped when the full name is not found;
 * - of a task's annotations the first not cancelled one is used; its brushlabels (RLE, painted
 *   where alpha >= 128) and polygonlabels (points in percent of the image) are painted in
 *   order, a later result over an earlier; other result types are not imported;
 * - classes: the <Label value=... background=...> list of labeling_config.xml beside the export
 *   when there is one (ids in its order), else the labels in order of first use; when no label is
 *   named "background", class 0 "background" is added, takes what no result covers and the
 *   labels get ids from 1; otherwise what no result covers is ignore (255).
 */
import { vocColor, type ClassDef, type Rgb } from '../classes';
import { checkClasses } from '../dataset/config';
import { polygonSpans } from '../editing/polygon';
import { DataError } from '../errors';
import type { FileSystem } from '../fileSystem';
import { baseName, dirName, joinPath, stemOf } from '../paths';
import { decodeBrush } from './labelStudioRle';
import { expectImageSize, listNames, type LabelItem, type LabelSource } from './source';

const IGNORE = 255;
export const LABEL_CONFIG_FILE = 'labeling_config.xml';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 80);

/** One brush (its RLE, checked by decoding it once, decoded again when painted) or polygon. */
type Shape = { label: string; rle: number[] } | { label: string; polygon: Array<{ x: number; y: number }> };

interface Task {
  id: string;
  imageRef: string;
  width: number;
  height: number;
  shapes: Shape[];
}

const unescapeXml = (s: string) =>
  s.replace(/&(quot|apos|lt|gt|amp|#\d+);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCharCode(Number(e.slice(1))) : ({ quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' } as Record<string, string>)[e],
  );

/** Label names and colours of a labeling config, in order. */
export function parseLabelConfig(xml: string): Array<{ name: string; color?: Rgb }> {
  const labels: Array<{ name: string; color?: Rgb }> = [];
  for (const [tag] of xml.matchAll(/<Label\b[^>]*>/g)) {
    const attr = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
    const value = attr('value');
    if (value === undefined) continue;
    const hex = /^#([0-9a-fA-F]{6})$/.exec(attr('background') ?? '')?.[1];
    const color = hex ? ([0, 2, 4].map((k) => parseInt(hex.slice(k, k + 2), 16)) as Rgb) : undefined;
    labels.push({ name: unescapeXml(value), color });
  }
  return labels;
}

function parseResult(r: unknown, at: string, size: { width?: number; height?: number }, path: string): Shape | undefined {
  if (!isObject(r) || !isObject(r.value)) throw new DataError(path, `${at}: expected {type, value}, got ${show(r)}`);
  const { type, value } = r;
  if (type !== 'brushlabels' && type !== 'polygonlabels') return undefined;
  const labels = value[type];
  if (!Array.isArray(labels) || typeof labels[0] !== 'string') throw new DataError(path, `${at}: value.${type} must name a label, got ${show(labels)}`);
  const [w, h] = [r.original_width, r.original_height];
  if (!Number.isInteger(w) || !Number.isInteger(h) || (w as number) < 1 || (h as number) < 1) {
    throw new DataError(path, `${at}: original_width and original_height must be positive integers, got ${show(w)} x ${show(h)}`);
  }
  if (size.width === undefined) Object.assign(size, { width: w, height: h });
  if (w !== size.width || h !== size.height)
    throw new DataError(path, `${at}: ${w} x ${h} differs from the task's first result, ${size.width} x ${size.height}`);
  const [width, height] = [w as number, h as number];
  if (type === 'brushlabels') {
    if (value.format !== 'rle' || !Array.isArray(value.rle)) throw new DataError(path, `${at}: a brush needs value.format "rle" and value.rle`);
    try {
      decodeBrush(value.rle as number[], width * height);
      return { label: labels[0], rle: value.rle as number[] };
    } catch (err) {
      throw new DataError(path, `${at}: ${(err as Error).message}`);
    }
  }
  const points = value.points;
  if (!Array.isArray(points) || points.length < 3 || !points.every((p) => Array.isArray(p) && p.length >= 2 && p.every((v) => Number.isFinite(v)))) {
    throw new DataError(path, `${at}: value.points must be at least 3 [x, y] pairs in percent`);
  }
  return { label: labels[0], polygon: (points as number[][]).map(([x, y]) => ({ x: (x / 100) * width, y: (y / 100) * height })) };
}

function parseTask(raw: unknown, i: number, path: string): Task {
  if (!isObject(raw) || !isObject(raw.data)) throw new DataError(path, `tasks[${i}]: expected a task {id, data, annotations}, got ${show(raw)}`);
  const id = raw.id === undefined ? `#${i + 1}` : String(raw.id);
  const imageRef = typeof raw.data.image === 'string' ? raw.data.image : Object.values(raw.data).find((v): v is string => typeof v === 'string');
  if (!imageRef) throw new DataError(path, `task ${id}: data names no image`);
  const annotations = Array.isArray(raw.annotations) ? raw.annotations : [];
  const annotation = annotations.find((a) => isObject(a) && a.was_cancelled !== true) as Json | undefined;
  const size: { width?: number; height?: number } = {};
  const results = annotation && Array.isArray(annotation.result) ? annotation.result : [];
  const at = (r: unknown, k: number) =>
    `task ${id}, annotation ${String(annotation?.id ?? 1)}, result ${isObject(r) && r.id !== undefined ? String(r.id) : `#${k + 1}`}`;
  const shapes = results.map((r, k) => parseResult(r, at(r, k), size, path)).filter((s): s is Shape => s !== undefined);
  return { id, imageRef, width: size.width ?? 0, height: size.height ?? 0, shapes };
}

/** The file name a task's image reference points at: /data/upload/3/x.jpg, /data/local-files/?d=a/x.jpg, URLs. */
function fileNameOf(ref: string): string {
  const d = /[?&]d=([^&]*)/.exec(ref)?.[1];
  let path = d ?? ref.replace(/[?#].*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // not URL-encoded after all: use it as it is
  }
  return baseName(path.replace(/\\/g, '/'));
}

function classesFor(labels: Array<{ name: string; color?: Rgb }>): { classes: ClassDef[]; unannotated: number } {
  const hasBackground = labels.some((l) => l.name.toLowerCase() === 'background');
  const offset = hasBackground ? 0 : 1;
  const classes = labels.map((l, i) => ({ id: i + offset, name: l.name, color: l.color ?? vocColor(i + offset) }));
  if (!hasBackground) classes.unshift({ id: 0, name: 'background', color: [0, 0, 0] });
  return { classes, unannotated: hasBackground ? IGNORE : 0 };
}

async function exportFile(fs: FileSystem, src: string): Promise<string> {
  if ((await fs.stat(src))?.type === 'file') return src;
  const jsons = (await listNames(fs, src, 'file')).filter((n) => n.toLowerCase().endsWith('.json'));
  if (jsons.length !== 1) throw new DataError(src, `expected one Label Studio export (.json) in the folder, found ${jsons.length}`);
  return joinPath(src, jsons[0]);
}

function rasterize(task: Task, ids: Map<string, number>, unannotated: number): Uint8Array {
  const { width, height } = task;
  const data = new Uint8Array(width * height).fill(unannotated);
  for (const shape of task.shapes) {
    const id = ids.get(shape.label)!;
    if ('rle' in shape) decodeBrush(shape.rle, width * height, data, id);
    else polygonSpans(shape.polygon, 'evenodd', width, height, (y, x0, x1) => data.fill(id, y * width + x0, y * width + x1));
  }
  return data;
}

export async function readLabelStudio(fs: FileSystem, src: string): Promise<LabelSource> {
  const path = await exportFile(fs, src);
  const folder = dirName(path);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(await fs.readFile(path)));
  } catch (err) {
    throw err instanceof DataError ? err : new DataError(path, `not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new DataError(path, 'expected a Label Studio JSON export: an array of tasks');
  const tasks = raw.map((t, i) => parseTask(t, i, path));

  const configPath = joinPath(folder, LABEL_CONFIG_FILE);
  const fromConfig = (await fs.stat(configPath))?.type === 'file';
  const labels = fromConfig ? parseLabelConfig(new TextDecoder().decode(await fs.readFile(configPath))) : [];
  for (const task of tasks) {
    for (const shape of task.shapes) {
      if (labels.some((l) => l.name === shape.label)) continue;
      if (fromConfig) throw new DataError(path, `task ${task.id}: label "${shape.label}" is not in ${configPath}`);
      labels.push({ name: shape.label });
    }
  }
  const { classes, unannotated } = classesFor(labels);
  checkClasses(classes, IGNORE, fromConfig ? configPath : path);
  const ids = new Map(classes.map((c) => [c.name, c.id]));

  const imagesDir = joinPath(folder, 'images');
  const available = new Set([...(await listNames(fs, imagesDir, 'file')).map((n) => `images/${n}`), ...(await listNames(fs, folder, 'file'))]);
  const byStem = new Map<string, LabelItem>();
  for (const task of tasks) {
    const name = fileNameOf(task.imageRef);
    const candidates = [name, name.replace(/^[0-9a-f]{8}-/, '')].flatMap((n) => [`images/${n}`, n]);
    const found = candidates.find((c) => available.has(c));
    if (!found) throw new DataError(path, `task ${task.id}: image "${task.imageRef}" is not in ${imagesDir} or ${folder}`);
    const image = joinPath(folder, found);
    const stem = stemOf(found);
    if (byStem.has(stem)) throw new DataError(path, `task ${task.id}: image "${found}" has the stem of another task's image`);
    const labeled = task.shapes.length > 0;
    byStem.set(stem, {
      stem,
      image,
      imageName: baseName(found),
      splits: [],
      mask: labeled
        ? async () => {
            await expectImageSize(fs, image, task.width, task.height, `task ${task.id} in ${path}`);
            return { width: task.width, height: task.height, data: rasterize(task, ids, unannotated) };
          }
        : undefined,
    });
  }
  const items = [...byStem.values()].sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
  return { name: stemOf(path), classes, ignoreIndex: IGNORE, splits: [], items, problems: [] };
}
