/**
 * The upload archives for the training service: the human-labeled images (those with a mask) of a
 * dataset, their masks as indexed/grayscale PNGs, train/val list files and a `seglab.json`
 * naming them; for prediction jobs, images only, and a model with its card. Entries have fixed metadata, so the same data gives the same bytes and the
 * service's content address (sha256 of the body) lets a re-upload be skipped.
 */
import { pack } from 'tar-stream';
import { datasetBounds, readInside, type DatasetBounds } from '../core/dataset/bounds';
import { configToJson } from '../core/dataset/config';
import type { DatasetIndex, ImageEntry } from '../core/dataset/types';
import type { FileSystem } from '../core/fileSystem';
import { decodeMask, encodeMask } from '../core/mask/codec';
import { ColorType, readPngHeader } from '../core/mask/pngHeader';
import { baseName, extensionOf, joinPath } from '../core/paths';

export interface Split {
  train: ImageEntry[];
  val: ImageEntry[];
  /** How the split was made, for the log. */
  source: 'dataset' | 'hash';
}

export interface PackageProgress {
  done: number;
  total: number;
}

/** FNV-1a of the stem: a split that does not change when other images are added. */
function stemHash(stem: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < stem.length; i++) h = Math.imul(h ^ stem.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Labeled images only. The dataset's `train` and `val` splits when both hold labeled images
 * (images in neither, e.g. a test split, stay out); else about one in ten by stem hash is
 * validation, at least one when there are two or more images (a single image is both).
 */
export function splitLabeled(index: DatasetIndex): Split {
  const labeled = index.images.filter((e) => e.mask !== undefined).sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
  const train = labeled.filter((e) => e.splits.includes('train'));
  const val = labeled.filter((e) => e.splits.includes('val'));
  if (train.length > 0 && val.length > 0) return { train, val, source: 'dataset' };
  if (labeled.length < 2) return { train: labeled, val: labeled, source: 'hash' };
  const byHash = labeled.map((e) => ({ e, h: stemHash(e.stem) }));
  let valSet = new Set(byHash.filter((x) => x.h % 10 === 0).map((x) => x.e));
  if (valSet.size === 0) valSet = new Set([byHash.reduce((a, b) => (b.h < a.h ? b : a)).e]);
  if (valSet.size === labeled.length) valSet = new Set([labeled[0]]);
  return { train: labeled.filter((e) => !valSet.has(e)), val: labeled.filter((e) => valSet.has(e)), source: 'hash' };
}

/** Colour masks become indexed PNGs (the trainer reads class ids); others go as they are. */
async function maskBytes(fs: FileSystem, bounds: DatasetBounds, index: DatasetIndex, path: string): Promise<Uint8Array> {
  const bytes = await readInside(fs, bounds, path);
  const { colorType } = readPngHeader(bytes, path, Number.MAX_SAFE_INTEGER);
  if (colorType !== ColorType.Rgb && colorType !== ColorType.Rgba) return bytes;
  const { classes, ignoreIndex } = index.config;
  return encodeMask(decodeMask(bytes, { path, classes, ignoreIndex }), classes, ignoreIndex);
}

/** The archive's member paths for one image: `images/<stem>.<ext>`, `masks/<stem>.png`. */
export function memberPaths(entry: ImageEntry): { image: string; mask: string } {
  return { image: `images/${entry.stem}.${extensionOf(baseName(entry.image)).toLowerCase()}`, mask: `masks/${entry.stem}.png` };
}

/** A tar built in memory; every entry has fixed metadata, so the same data gives the same bytes. */
function tarBuilder(): { add(name: string, data: Uint8Array | string): Promise<void>; finish(): Promise<Uint8Array> } {
  const archive = pack();
  const chunks: Uint8Array[] = [];
  archive.on('data', (c: unknown) => chunks.push(c as Uint8Array));
  const finished = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  return {
    add: (name, data) =>
      new Promise<void>((resolve, reject) => {
        const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        archive.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '', type: 'file' }, buffer, (error) =>
          error ? reject(error) : resolve(),
        );
      }),
    async finish() {
      archive.finalize();
      await finished;
      return Buffer.concat(chunks);
    },
  };
}

/**
 * Builds the tar in memory (labeling datasets are small); `onProgress` after each image. A file
 * whose real path is outside the dataset (a link made since it was indexed) fails the upload.
 */
export async function packageDataset(fs: FileSystem, index: DatasetIndex, split: Split, onProgress?: (p: PackageProgress) => void): Promise<Uint8Array> {
  const tar = tarBuilder();
  const config = { ...index.config, imagesDir: 'images', masksDir: 'masks', predictionsDir: 'predictions', splits: { train: 'train.txt', val: 'val.txt' } };
  await tar.add('seglab.json', configToJson(config));
  await tar.add('train.txt', split.train.map((e) => `${e.stem}\n`).join(''));
  await tar.add('val.txt', split.val.map((e) => `${e.stem}\n`).join(''));
  const entries = [...new Set([...split.train, ...split.val])];
  const bounds = await datasetBounds(fs, index.root);
  let done = 0;
  for (const entry of entries) {
    const paths = memberPaths(entry);
    await tar.add(paths.image, await readInside(fs, bounds, joinPath(index.root, entry.image)));
    await tar.add(paths.mask, await maskBytes(fs, bounds, index, joinPath(index.root, entry.mask ?? '')));
    onProgress?.({ done: ++done, total: entries.length });
  }
  return tar.finish();
}

/** The upload for a prediction job (POST /v1/datasets?imagesOnly=true): `seglab.json` and the given images, no masks. */
export async function packageImages(
  fs: FileSystem,
  index: DatasetIndex,
  entries: ImageEntry[],
  onProgress?: (p: PackageProgress) => void,
): Promise<Uint8Array> {
  const tar = tarBuilder();
  await tar.add('seglab.json', configToJson({ ...index.config, imagesDir: 'images', masksDir: 'masks', predictionsDir: 'predictions', splits: {} }));
  const bounds = await datasetBounds(fs, index.root);
  let done = 0;
  for (const entry of entries) {
    await tar.add(memberPaths(entry).image, await readInside(fs, bounds, joinPath(index.root, entry.image)));
    onProgress?.({ done: ++done, total: entries.length });
  }
  return tar.finish();
}

/** A model for POST /v1/models: the .onnx and its card, as model.onnx and model.json. */
export async function packageModel(onnx: Uint8Array, card: Uint8Array): Promise<Uint8Array> {
  const tar = tarBuilder();
  await tar.add('model.onnx', onnx);
  await tar.add('model.json', card);
  return tar.finish();
}
