/**
 * COCO annotation files (instances_*.json, stuff_*.json): parsing with every reference checked,
 * and rasterising one image's annotations into a label map. Every error is a DataError naming
 * the JSON file and the image or annotation id.
 *
 * Rules (README "Formats"): category id = class id; polygons are filled by pixel centres
 * (even-odd), RLE decoded exactly; crowd annotations (iscrowd 1) become ignore pixels, painted
 * first so that ordinary annotations win over them; ordinary annotations overlap by `overlap`:
 * 'later' paints them in file order (a later annotation covers an earlier one), 'smaller' paints
 * larger ones first (a smaller one stays visible on top of a larger one).
 */
import { DataError } from '../errors';
import { polygonSpans, type Point } from '../editing/polygon';
import { checkCounts, countsFromString, paintRle, toRowMajor, type RleCounts } from './cocoRle';

export type OverlapRule = 'later' | 'smaller';
export const OVERLAP_RULES: readonly OverlapRule[] = ['later', 'smaller'];

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

export interface CocoCategory {
  id: number;
  name: string;
  color?: [number, number, number];
}

export type CocoShape = { rle: RleCounts } | { polygons: Point[][] };

export interface CocoAnnotation {
  id: number;
  imageId: number;
  categoryId: number;
  crowd: boolean;
  shape: CocoShape;
}

export interface CocoFile {
  images: CocoImage[];
  categories: CocoCategory[];
  /** image id -> its annotations in file order. */
  annotations: Map<number, CocoAnnotation[]>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v) ?? String(v);
const isId = (v: unknown): v is number => Number.isInteger(v);
const isSize = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

function list(obj: Json, key: string, path: string): unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new DataError(path, `"${key}": expected an array, got ${show(v)}`);
  return v;
}

function parseImage(raw: unknown, i: number, path: string): CocoImage {
  const at = isObject(raw) && isId(raw.id) ? `image ${raw.id}` : `images[${i}]`;
  if (!isObject(raw) || !isId(raw.id)) throw new DataError(path, `${at}: expected {id, file_name, width, height}, got ${show(raw)}`);
  const { file_name, width, height } = raw;
  if (typeof file_name !== 'string' || file_name === '') throw new DataError(path, `${at}: file_name ${show(file_name)} is not a file name`);
  if (!isSize(width) || !isSize(height)) throw new DataError(path, `${at}: width and height must be positive integers, got ${show(width)} x ${show(height)}`);
  return { id: raw.id, file_name, width, height };
}

function parseCategory(raw: unknown, i: number, path: string): CocoCategory {
  if (!isObject(raw) || !isId(raw.id) || typeof raw.name !== 'string' || raw.name.trim() === '') {
    throw new DataError(path, `categories[${i}]: expected {id, name}, got ${show(raw)}`);
  }
  if (raw.id < 0 || raw.id > 254) throw new DataError(path, `category ${raw.id} "${raw.name}": ids must be 0-254 to be class ids (255 is ignore)`);
  const c = raw.color;
  const color = Array.isArray(c) && c.length === 3 && c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255) ? (c as [number, number, number]) : undefined;
  return { id: raw.id, name: raw.name, ...(color && { color }) };
}

function parsePolygons(seg: unknown[], at: string, path: string): Point[][] {
  return seg.map((poly, k) => {
    if (!Array.isArray(poly) || poly.length < 6 || poly.length % 2 !== 0 || !poly.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new DataError(path, `${at}: polygon ${k} must be [x1, y1, x2, y2, ...] with at least 3 points`);
    }
    const points: Point[] = [];
    for (let j = 0; j < poly.length; j += 2) points.push({ x: poly[j] as number, y: poly[j + 1] as number });
    return points;
  });
}

function parseShape(seg: unknown, image: CocoImage, at: string, path: string): CocoShape {
  if (Array.isArray(seg)) return { polygons: parsePolygons(seg, at, path) };
  if (!isObject(seg) || !Array.isArray(seg.size) || !(typeof seg.counts === 'string' || Array.isArray(seg.counts))) {
    throw new DataError(path, `${at}: segmentation must be polygons or {size, counts}, got ${show(seg)?.slice(0, 80)}`);
  }
  const [h, w] = seg.size as unknown[];
  if (h !== image.height || w !== image.width) {
    throw new DataError(path, `${at}: RLE size [${show(h)}, ${show(w)}] (height, width) differs from image ${image.id}'s ${image.height} x ${image.width}`);
  }
  try {
    const counts = typeof seg.counts === 'string' ? countsFromString(seg.counts) : seg.counts;
    checkCounts(counts, image.width * image.height);
    return { rle: counts };
  } catch (err) {
    throw new DataError(path, `${at}: RLE ${(err as Error).message}`);
  }
}

/** Parses and checks a COCO annotation file's text. */
export function parseCocoFile(text: string, path: string): CocoFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DataError(path, `not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw)) throw new DataError(path, 'expected a COCO object {images, annotations, categories}');
  const images = list(raw, 'images', path).map((v, i) => parseImage(v, i, path));
  const categories = list(raw, 'categories', path).map((v, i) => parseCategory(v, i, path));
  const byImage = new Map<number, CocoImage>();
  for (const image of images) {
    if (byImage.has(image.id)) throw new DataError(path, `image ${image.id}: the id is used twice`);
    byImage.set(image.id, image);
  }
  const categoryIds = new Set<number>();
  for (const c of categories) {
    if (categoryIds.has(c.id)) throw new DataError(path, `category ${c.id}: the id is used twice`);
    categoryIds.add(c.id);
  }
  const annotations = new Map<number, CocoAnnotation[]>();
  list(raw, 'annotations', path).forEach((a, i) => {
    if (!isObject(a) || !isId(a.id)) throw new DataError(path, `annotations[${i}]: expected an object with an integer id, got ${show(a)?.slice(0, 80)}`);
    const at = `annotation ${a.id}`;
    const image = isId(a.image_id) ? byImage.get(a.image_id) : undefined;
    if (!image) throw new DataError(path, `${at}: image_id ${show(a.image_id)} is not in "images"`);
    if (!isId(a.category_id) || !categoryIds.has(a.category_id)) throw new DataError(path, `${at}: unknown category ${show(a.category_id)}`);
    if (a.iscrowd !== undefined && a.iscrowd !== 0 && a.iscrowd !== 1) throw new DataError(path, `${at}: iscrowd must be 0 or 1, got ${show(a.iscrowd)}`);
    const entry = { id: a.id, imageId: image.id, categoryId: a.category_id, crowd: a.iscrowd === 1, shape: parseShape(a.segmentation, image, at, path) };
    const forImage = annotations.get(image.id);
    if (forImage) forImage.push(entry);
    else annotations.set(image.id, [entry]);
  });
  return { images, categories, annotations };
}

/** Pixels an annotation covers, for the 'smaller' rule: RLE pixel count, polygons' shoelace area. */
function shapeArea(shape: CocoShape): number {
  if ('rle' in shape) return shape.rle.reduce((sum, c, i) => (i & 1 ? sum + c : sum), 0);
  let area = 0;
  for (const poly of shape.polygons) {
    let twice = 0;
    for (let i = 0; i < poly.length; i++) {
      const a = poly[i];
      const b = poly[(i + 1) % poly.length];
      twice += a.x * b.y - b.x * a.y;
    }
    area += Math.abs(twice) / 2;
  }
  return area;
}

/** Paints into a column-major buffer (see paintRle): RLE runs are fills, polygon rows are strided. */
function paintShape(shape: CocoShape, columns: Uint8Array, width: number, height: number, value: number): void {
  if ('rle' in shape) {
    paintRle(shape.rle, columns, value);
    return;
  }
  for (const poly of shape.polygons) {
    polygonSpans(poly, 'evenodd', width, height, (y, x0, x1) => {
      for (let x = x0; x < x1; x++) columns[x * height + y] = value;
    });
  }
}

/**
 * One image's label map: `unannotated` where nothing is drawn, crowd regions `ignoreIndex`, each
 * annotation its category id, overlaps resolved by `overlap`.
 */
export function rasterizeImage(
  image: CocoImage,
  annotations: readonly CocoAnnotation[],
  opts: { overlap: OverlapRule; unannotated: number; ignoreIndex: number },
): Uint8Array {
  const { width, height } = image;
  const columns = new Uint8Array(width * height).fill(opts.unannotated);
  for (const a of annotations) if (a.crowd) paintShape(a.shape, columns, width, height, opts.ignoreIndex);
  let order = annotations.filter((a) => !a.crowd);
  if (opts.overlap === 'smaller')
    order = order
      .map((a) => ({ a, area: shapeArea(a.shape) }))
      .sort((p, q) => q.area - p.area)
      .map((p) => p.a);
  for (const a of order) paintShape(a.shape, columns, width, height, a.categoryId);
  return toRowMajor(columns, width, height);
}
