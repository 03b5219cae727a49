/**
 * A COCO dataset as a LabelSource. The source is a folder with annotations/instances_<split>.json
 * and/or annotations/stuff_<split>.json (split "default" means none), or one such JSON file. An
 * image's file is looked for in images/<split>/, <split>/, images/ and the root folder. Images
 * with the same file name in several files are one item (in each file's split, annotations
 * joined). Categories become classes by id; when no category has id 0, a class 0 "background"
 * is added and takes every pixel no annotation covers, otherwise those pixels are ignore (255).
 */
import { vocColor, type ClassDef } from '../classes';
import { checkClasses } from '../dataset/config';
import { forEachLimited } from '../dataset/forEachLimited';
import { DataError } from '../errors';
import type { FileSystem } from '../fileSystem';
import { baseName, dirName, joinPath, stemOf } from '../paths';
import { parseCocoFile, rasterizeImage, type CocoAnnotation, type CocoImage, type OverlapRule } from './cocoJson';
import { expectImageSize, type LabelItem, type LabelSource } from './source';

const ANNOTATION_FILE = /^(?:instances|stuff)_(.+)\.json$/;
const IGNORE = 255;

interface Found {
  json: string;
  image: CocoImage;
  annotations: CocoAnnotation[];
  splits: string[];
}

function splitOf(file: string): string | undefined {
  const m = ANNOTATION_FILE.exec(baseName(file));
  return m && m[1] !== 'default' ? m[1] : undefined;
}

async function annotationFiles(fs: FileSystem, src: string): Promise<{ root: string; files: string[] }> {
  if ((await fs.stat(src))?.type === 'file') {
    const dir = dirName(src);
    return { root: baseName(dir) === 'annotations' ? dirName(dir) : dir, files: [src] };
  }
  const folder = joinPath(src, 'annotations');
  const names = (await fs.stat(folder))?.type === 'directory' ? await fs.readDirectory(folder) : [];
  const files = names
    .filter(([n, t]) => t === 'file' && ANNOTATION_FILE.test(n))
    .map(([n]) => joinPath(folder, n))
    .sort();
  if (files.length === 0) throw new DataError(src, 'no COCO annotations: expected annotations/instances_<split>.json or annotations/stuff_<split>.json');
  return { root: src, files };
}

async function locateImage(fs: FileSystem, root: string, split: string | undefined, fileName: string): Promise<string | undefined> {
  const folders = split ? [`images/${split}`, split, 'images', ''] : ['images', ''];
  for (const folder of folders) {
    const path = joinPath(root, folder, fileName);
    if ((await fs.stat(path))?.type === 'file') return path;
  }
  return undefined;
}

export async function readCoco(fs: FileSystem, src: string, overlap: OverlapRule): Promise<LabelSource> {
  const { root, files } = await annotationFiles(fs, src);
  const categories = new Map<number, { name: string; color?: ClassDef['color']; file: string }>();
  const byStem = new Map<string, Found>();
  const splits: string[] = [];
  for (const json of files) {
    const coco = parseCocoFile(new TextDecoder().decode(await fs.readFile(json)), json);
    const split = splitOf(json);
    if (split && !splits.includes(split)) splits.push(split);
    for (const c of coco.categories) {
      const known = categories.get(c.id);
      if (known && known.name !== c.name) throw new DataError(json, `category ${c.id} is "${c.name}" here and "${known.name}" in ${known.file}`);
      if (!known) categories.set(c.id, { name: c.name, color: c.color, file: json });
    }
    for (const image of coco.images) {
      const stem = stemOf(image.file_name);
      const annotations = coco.annotations.get(image.id) ?? [];
      const seen = byStem.get(stem);
      if (!seen) {
        byStem.set(stem, { json, image, annotations: [...annotations], splits: split ? [split] : [] });
        continue;
      }
      if (seen.image.file_name !== image.file_name || seen.image.width !== image.width || seen.image.height !== image.height) {
        throw new DataError(
          json,
          `image ${image.id} "${image.file_name}" (${image.width} x ${image.height}) has the stem of image ${seen.image.id} "${seen.image.file_name}" (${seen.image.width} x ${seen.image.height}) in ${seen.json}`,
        );
      }
      seen.annotations.push(...annotations);
      if (split && !seen.splits.includes(split)) seen.splits.push(split);
    }
  }

  const ids = [...categories.keys()].sort((a, b) => a - b);
  const classes: ClassDef[] = ids.map((id) => ({ id, name: categories.get(id)!.name, color: categories.get(id)!.color ?? vocColor(id) }));
  const unannotated = categories.has(0) ? IGNORE : 0;
  if (!categories.has(0)) classes.unshift({ id: 0, name: 'background', color: [0, 0, 0] });
  checkClasses(classes, IGNORE, files[0]);

  const found = [...byStem.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const items: LabelItem[] = new Array(found.length);
  await forEachLimited(
    found.map((f, i) => ({ f, i })),
    async ({ f: [stem, { json, image, annotations, splits: itemSplits }], i }) => {
      const path = await locateImage(fs, root, itemSplits[0] ?? splitOf(json), image.file_name);
      if (!path) throw new DataError(json, `image ${image.id}: "${image.file_name}" is not in ${root} (looked in images/, the split's folder and the root)`);
      items[i] = {
        stem,
        image: path,
        imageName: baseName(image.file_name),
        splits: itemSplits,
        mask:
          annotations.length === 0
            ? undefined
            : async () => {
                await expectImageSize(fs, path, image.width, image.height, `image ${image.id} in ${json}`);
                const data = rasterizeImage(image, annotations, { overlap, unannotated, ignoreIndex: IGNORE });
                return { width: image.width, height: image.height, data };
              },
      };
    },
    {},
  );
  return { name: baseName(root), classes, ignoreIndex: IGNORE, splits, items, problems: [] };
}
