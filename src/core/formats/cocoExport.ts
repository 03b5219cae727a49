/**
 * COCO out, semantic ("stuff") style: images/ holds the images, annotations/stuff_<split>.json
 * one file per split (stuff_default.json for images in no split, or all of them when there are
 * no splits). Each labeled image gets one compressed-RLE annotation per class present; ignore
 * pixels are left out; categories are the classes (id, name, and their colour as "color").
 */
import type { ClassDef } from '../classes';
import { ensureEmptyFolder } from '../dataset/convert';
import type { ProgressOptions } from '../dataset/forEachLimited';
import type { FileSystem } from '../fileSystem';
import type { Mask } from '../mask/codec';
import { joinPath } from '../paths';
import { countsToString, encodeLabelMap, rleBox } from './cocoRle';
import type { LabelItem, LabelSource } from './source';
import { exportWithImages, type ConvertResult } from './writeItems';

export interface CocoSegment {
  category_id: number;
  segmentation: { size: [number, number]; counts: string };
  area: number;
  bbox: [number, number, number, number];
  iscrowd: 0;
}

/** One annotation per class present in the mask, and the values that are neither a class nor ignore. */
export function semanticAnnotations(mask: Mask, classIds: ReadonlySet<number>, ignoreIndex: number): { segments: CocoSegment[]; unknown: number[] } {
  const { width, height } = mask;
  const segments: CocoSegment[] = [];
  const unknown: number[] = [];
  const rles = [...encodeLabelMap(mask.data, width, height)].sort(([a], [b]) => a - b);
  for (const [value, counts] of rles) {
    if (!classIds.has(value)) {
      if (value !== ignoreIndex) unknown.push(value);
      continue;
    }
    const { area, bbox } = rleBox(counts, height);
    segments.push({ category_id: value, segmentation: { size: [height, width], counts: countsToString(counts) }, area, bbox, iscrowd: 0 });
  }
  return { segments, unknown };
}

interface Record {
  item: LabelItem;
  width: number;
  height: number;
  segments: CocoSegment[];
}

function cocoJson(source: LabelSource, records: readonly Record[], imageIds: Map<LabelItem, number>, firstAnnotationId: Map<LabelItem, number>): string {
  const images = records.map((r) => ({ id: imageIds.get(r.item)!, file_name: r.item.imageName, width: r.width, height: r.height }));
  const annotations = records.flatMap((r) => r.segments.map((s, k) => ({ id: firstAnnotationId.get(r.item)! + k, image_id: imageIds.get(r.item)!, ...s })));
  const categories = source.classes.map((c: ClassDef) => ({ id: c.id, name: c.name, supercategory: '', color: c.color }));
  // One record per line: large files stay greppable and diffable.
  const lines = (xs: unknown[]) => (xs.length === 0 ? '[]' : `[\n${xs.map((x) => JSON.stringify(x)).join(',\n')}\n]`);
  const info = { description: source.name, version: '1.0', contributor: 'SegLab' };
  return `{"info": ${JSON.stringify(info)},\n"licenses": [],\n"images": ${lines(images)},\n"annotations": ${lines(annotations)},\n"categories": ${lines(categories)}}\n`;
}

export async function writeCoco(fs: FileSystem, source: LabelSource, dst: string, options: ProgressOptions = {}): Promise<ConvertResult> {
  await ensureEmptyFolder(fs, dst);
  await fs.createDirectory(joinPath(dst, 'annotations'));
  const classIds = new Set(source.classes.map((c) => c.id));
  const records = new Map<LabelItem, Record>();
  const result = await exportWithImages(
    fs,
    source,
    dst,
    'COCO',
    (item, mask, size) => {
      const { segments, unknown } = mask ? semanticAnnotations(mask, classIds, source.ignoreIndex) : { segments: [], unknown: [] };
      records.set(item, { item, width: size.width, height: size.height, segments });
      return unknown;
    },
    options,
  );

  // Ids in item order, whatever order the items finished in.
  const ordered = source.items.map((item) => records.get(item)!);
  const imageIds = new Map(ordered.map((r, i) => [r.item, i + 1]));
  const firstAnnotationId = new Map<LabelItem, number>();
  let next = 1;
  for (const r of ordered) {
    firstAnnotationId.set(r.item, next);
    next += r.segments.length;
  }
  const files = source.splits.map((split) => ({ split, records: ordered.filter((r) => r.item.splits.includes(split)) }));
  const unsplit = ordered.filter((r) => !r.item.splits.some((s) => source.splits.includes(s)));
  if (unsplit.length > 0 || files.length === 0) files.push({ split: 'default', records: unsplit });
  for (const file of files) {
    const json = cocoJson(source, file.records, imageIds, firstAnnotationId);
    await fs.writeFileAtomic(joinPath(dst, 'annotations', `stuff_${file.split}.json`), new TextEncoder().encode(json));
  }
  return result;
}
