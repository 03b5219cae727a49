/**
 * The dataset index: which images exist, their masks, predictions and splits. Built from folder
 * listings and split files only (no file is decoded or stat'ed; only symbolic links are resolved,
 * see bounds.ts), so it stays fast at 100,000 images; validate.ts is the slower pass that opens files.
 */
import { DataError, type Problem } from '../errors';
import type { EntryType, FileSystem } from '../fileSystem';
import { controlCharactersIn, extensionOf, joinPath, stemOf } from '../paths';
import { datasetBounds, outsideLinkProblem, outsideProblem, readInside, type DatasetBounds } from './bounds';
import { detectDataset, type Detection } from './detect';
import type { DatasetIndex, ImageEntry, ImageStatus } from './types';

export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['jpg', 'jpeg', 'png', 'bmp', 'tif', 'tiff', 'webp']);
export const MASK_EXTENSIONS: ReadonlySet<string> = new Set(['png']);

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Status from what the index knows; validation may later set 'invalid'. */
export function statusOf(entry: Pick<ImageEntry, 'mask' | 'predictions'>): ImageStatus {
  if (entry.mask !== undefined) return 'labeled';
  return entry.predictions.length > 0 ? 'predicted' : 'unlabeled';
}

/**
 * Sorted names of the entries of `type` in `folder` (hidden ones left out), or undefined when the
 * folder does not exist. Names with control characters and links leading outside the dataset are
 * Problems and left out too.
 */
async function listEntries(fs: FileSystem, bounds: DatasetBounds, folder: string, type: EntryType, problems: Problem[]): Promise<string[] | undefined> {
  if ((await fs.stat(folder))?.type !== 'directory') return undefined;
  const outside = await outsideProblem(fs, bounds, folder);
  if (outside) {
    problems.push(outside);
    return [];
  }
  const links = await fs.linksIn(folder);
  const names: string[] = [];
  const refused: Problem[] = [];
  for (const [name, entryType] of await fs.readDirectory(folder)) {
    if (entryType !== type || name.startsWith('.')) continue;
    const path = joinPath(folder, name);
    const control = controlCharactersIn(name);
    const problem: Problem | undefined = control
      ? { path, kind: 'bad-name', message: `the name has control characters (${control}); ignored` }
      : links.has(name)
        ? outsideLinkProblem(bounds, path, links.get(name))
        : undefined;
    if (problem) refused.push(problem);
    else names.push(name);
  }
  problems.push(...refused.sort((a, b) => byCodeUnits(a.path, b.path)));
  return names.sort(byCodeUnits);
}

/** Loads the dataset at `root`; throws DataError when it is not one or its config is broken. */
export async function loadDataset(fs: FileSystem, root: string): Promise<DatasetIndex> {
  const detection = await detectDataset(fs, root);
  if (!detection) {
    throw new DataError(root, 'not a dataset: expected seglab.json, JPEGImages/ + SegmentationClass/ (VOC; CVAT with labelmap.txt) or images/ + masks/');
  }
  return indexDataset(fs, root, detection);
}

export async function indexDataset(fs: FileSystem, root: string, { layout, config }: Detection): Promise<DatasetIndex> {
  const problems: Problem[] = [];
  const entries = new Map<string, ImageEntry>();
  const abs = (rel: string) => joinPath(root, rel);
  const bounds = await datasetBounds(fs, root);
  const listFiles = (folder: string) => listEntries(fs, bounds, folder, 'file', problems);

  const imageNames = await listFiles(abs(config.imagesDir));
  if (imageNames === undefined) {
    problems.push({ path: abs(config.imagesDir), kind: 'bad-config', message: `images folder "${config.imagesDir}" does not exist` });
  }
  for (const name of imageNames ?? []) {
    if (!IMAGE_EXTENSIONS.has(extensionOf(name))) continue;
    const image = `${config.imagesDir}/${name}`;
    const stem = stemOf(name);
    const first = entries.get(stem);
    if (first) {
      problems.push({ path: abs(image), kind: 'duplicate-stem', message: `same stem as ${first.image}; only ${first.image} is used` });
      continue;
    }
    entries.set(stem, { stem, image, predictions: [], splits: [], status: 'unlabeled' });
  }

  // A dataset being labeled from scratch may not have its masks folder yet: no problem.
  const maskStems = new Map<string, string>();
  for (const name of (await listFiles(abs(config.masksDir))) ?? []) {
    const ext = extensionOf(name);
    const mask = `${config.masksDir}/${name}`;
    if (!MASK_EXTENSIONS.has(ext)) {
      if (IMAGE_EXTENSIONS.has(ext)) problems.push({ path: abs(mask), kind: 'unreadable-mask', message: 'masks must be PNG files; this one is ignored' });
      continue;
    }
    const stem = stemOf(name);
    const first = maskStems.get(stem);
    if (first) {
      problems.push({ path: abs(mask), kind: 'duplicate-stem', message: `same stem as ${first}; only ${first} is used` });
      continue;
    }
    maskStems.set(stem, mask);
    const entry = entries.get(stem);
    if (entry) entry.mask = mask;
    else problems.push({ path: abs(mask), kind: 'orphan-mask', message: `mask without an image (no ${config.imagesDir}/${stem}.*)` });
  }

  for (const model of (await listEntries(fs, bounds, abs(config.predictionsDir), 'directory', problems)) ?? []) {
    const folder = `${config.predictionsDir}/${model}`;
    for (const name of (await listFiles(abs(folder))) ?? []) {
      if (!MASK_EXTENSIONS.has(extensionOf(name))) continue;
      const entry = entries.get(stemOf(name));
      // Entries keep only model names, so a prediction's path must be <model>/<stem>.png.
      if (!name.endsWith('.png')) {
        problems.push({ path: abs(`${folder}/${name}`), kind: 'unreadable-mask', message: 'prediction files must end in ".png"; this one is ignored' });
      } else if (!entry) {
        problems.push({ path: abs(`${folder}/${name}`), kind: 'orphan-mask', message: `prediction of model "${model}" without an image` });
      } else if (!entry.predictions.includes(model)) {
        entry.predictions.push(model);
      }
    }
  }

  for (const [split, file] of Object.entries(config.splits)) {
    await readSplit(fs, bounds, abs(file), split, entries, problems);
  }

  const images = [...entries.values()];
  for (const entry of images) entry.status = statusOf(entry);
  return { root, layout, config, images, problems };
}

/** Adds `split` to the entries its list file names; one Problem per line naming no image. */
async function readSplit(fs: FileSystem, bounds: DatasetBounds, path: string, split: string, entries: Map<string, ImageEntry>, problems: Problem[]) {
  let text: string;
  try {
    text = new TextDecoder().decode(await readInside(fs, bounds, path));
  } catch (err) {
    problems.push({ path, kind: 'bad-split', message: `split "${split}": cannot read its list file (${(err as Error).message})` });
    return;
  }
  text.split(/\r?\n/).forEach((line, i) => {
    // VOC's per-class lists carry a second column ("2008_000008 -1"); the stem is the first.
    const stem = line.trim().split(/\s+/)[0];
    if (!stem || stem.startsWith('#')) return;
    const entry = entries.get(stem);
    if (!entry) problems.push({ path, kind: 'bad-split', message: `line ${i + 1}: "${stem}" has no image` });
    else if (!entry.splits.includes(split)) entry.splits.push(split);
  });
}
