/**
 * Layout detection. Each layout is recognised from the root folder's listing alone; a
 * seglab.json then overrides whatever it names (see config.ts).
 *   cvat:  labelmap.txt + SegmentationClass/ + JPEGImages/ (classes from labelmap.txt)
 *   voc:   JPEGImages/ + SegmentationClass/ (VOC's 21 classes and palette)
 *   plain: images/ + masks/ (default classes)
 * VOC and CVAT splits are the list files in ImageSets/Segmentation/.
 */
import { parseLabelmap } from '../classes';
import type { EntryType, FileSystem } from '../fileSystem';
import { baseName, joinPath, stemOf } from '../paths';
import { datasetBounds, readInside } from './bounds';
import { checkClasses, CONFIG_FILE, defaultConfig, parseConfig } from './config';
import type { DatasetConfig, Layout } from './types';

export interface Detection {
  layout: Layout;
  config: DatasetConfig;
}

const SPLITS_DIR = 'ImageSets/Segmentation';
const SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__']);

type Listing = Map<string, EntryType>;

function folderLayout(listing: Listing): Exclude<Layout, 'seglab'> | undefined {
  const dir = (n: string) => listing.get(n) === 'directory';
  if (dir('JPEGImages') && dir('SegmentationClass')) return listing.get('labelmap.txt') === 'file' ? 'cvat' : 'voc';
  if (dir('images') && dir('masks')) return 'plain';
  return undefined;
}

/** Whether a folder's listing makes it a dataset root (cheap: no file is read). */
function isDatasetListing(listing: Listing): boolean {
  return listing.get(CONFIG_FILE) === 'file' || folderLayout(listing) !== undefined;
}

async function listing(fs: FileSystem, folder: string): Promise<Listing> {
  return new Map(await fs.readDirectory(folder));
}

async function vocSplits(fs: FileSystem, root: string, top: Listing): Promise<Record<string, string>> {
  if (top.get('ImageSets') !== 'directory') return {};
  const folder = joinPath(root, SPLITS_DIR);
  if ((await fs.stat(folder))?.type !== 'directory') return {};
  const splits: Record<string, string> = {};
  for (const [name, type] of [...(await fs.readDirectory(folder))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (type === 'file' && name.toLowerCase().endsWith('.txt')) splits[stemOf(name)] = `${SPLITS_DIR}/${name}`;
  }
  return splits;
}

function datasetName(root: string): string {
  return baseName(root.replace(/\/+$/, '')) || root;
}

/**
 * The layout and config of the dataset at `root`, or undefined when it is none. Throws DataError
 * (naming the file) for a broken seglab.json or labelmap.txt.
 */
export async function detectDataset(fs: FileSystem, root: string): Promise<Detection | undefined> {
  const top = await listing(fs, root);
  const readText = async (path: string) => new TextDecoder().decode(await readInside(fs, await datasetBounds(fs, root), path));
  const layout = folderLayout(top);
  let config = defaultConfig(datasetName(root));
  if (layout === 'voc' || layout === 'cvat') {
    config = { ...config, imagesDir: 'JPEGImages', masksDir: 'SegmentationClass', splits: await vocSplits(fs, root, top) };
  }
  if (layout === 'cvat') {
    const path = joinPath(root, 'labelmap.txt');
    config.classes = parseLabelmap(await readText(path), path);
    checkClasses(config.classes, config.ignoreIndex, path);
  }
  if (top.get(CONFIG_FILE) === 'file') {
    const path = joinPath(root, CONFIG_FILE);
    return { layout: 'seglab', config: parseConfig(await readText(path), config, path) };
  }
  return layout ? { layout, config } : undefined;
}

/**
 * Dataset roots in a workspace: `workspaceRoot` itself and folders up to `depth` levels below
 * it, not descending into a dataset or into hidden folders. Only listings are read.
 */
export async function findDatasets(fs: FileSystem, workspaceRoot: string, depth = 2): Promise<string[]> {
  const found: string[] = [];
  let level = [workspaceRoot];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    const next: string[] = [];
    for (const folder of level) {
      let entries: Listing;
      try {
        entries = await listing(fs, folder);
      } catch {
        continue; // unreadable folder: not a dataset we can offer
      }
      if (isDatasetListing(entries)) {
        found.push(folder);
        continue;
      }
      for (const [name, type] of entries) {
        if (type === 'directory' && !name.startsWith('.') && !SKIPPED_FOLDERS.has(name)) next.push(joinPath(folder, name));
      }
    }
    level = next;
  }
  return found.sort();
}
