/**
 * Per-image confusion matrices keyed by the content hashes of both masks, so a recomputation
 * decodes only the images whose label or prediction changed. Stored per model in the dataset's
 * `.seglab/` folder as sparse counts (most cells of an image's matrix are zero).
 */
import type { ClassDef } from '../classes';
import { DataError, errorMessage } from '../errors';
import type { FileSystem } from '../fileSystem';
import { dirName } from '../paths';
import { ConfusionMatrix } from './confusion';

/** The hashes of one pair's label and prediction files. */
export interface PairHashes {
  gt: string;
  pred: string;
}

export interface CacheEntry extends PairHashes {
  matrix: ConfusionMatrix;
}

/** What cached matrices depend on besides the masks: colour masks map through the classes. */
export function cacheFingerprint(classes: readonly ClassDef[], numClasses: number, ignoreIndex: number): string {
  return JSON.stringify([numClasses, ignoreIndex, classes.map((c) => [c.id, ...c.color])]);
}

const CACHE_VERSION = 1;

interface CacheFile {
  version: number;
  fingerprint: string;
  entries: Record<string, { gt: string; pred: string; ignored: number; unknown: number; cells: number[] }>;
}

export class MatrixCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(
    readonly numClasses: number,
    readonly ignoreIndex: number,
    readonly fingerprint: string,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(name: string): CacheEntry | undefined {
    return this.entries.get(name);
  }

  set(name: string, hashes: PairHashes, matrix: ConfusionMatrix): void {
    this.entries.set(name, { gt: hashes.gt, pred: hashes.pred, matrix });
  }

  delete(name: string): void {
    this.entries.delete(name);
  }

  /** Drops entries of images no longer in the dataset. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.entries.keys()) if (!names.has(name)) this.entries.delete(name);
  }

  serialize(): string {
    const entries: CacheFile['entries'] = {};
    for (const [name, { gt, pred, matrix }] of this.entries) {
      const cells: number[] = [];
      matrix.counts.forEach((v, i) => v > 0 && cells.push(i, v));
      entries[name] = { gt, pred, ignored: matrix.ignoredPixels, unknown: matrix.unknownGtPixels, cells };
    }
    return JSON.stringify({ version: CACHE_VERSION, fingerprint: this.fingerprint, entries } satisfies CacheFile);
  }

  /**
   * Reads a cache file. A cache from other classes or another version is empty (it is only a
   * cache); a malformed one is a DataError naming the file.
   */
  static parse(text: string, path: string, numClasses: number, ignoreIndex: number, fingerprint: string): MatrixCache {
    const cache = new MatrixCache(numClasses, ignoreIndex, fingerprint);
    let file: CacheFile;
    try {
      file = JSON.parse(text) as CacheFile;
    } catch (err) {
      throw new DataError(path, `not valid JSON (${errorMessage(err)})`);
    }
    if (typeof file !== 'object' || file === null || file.version !== CACHE_VERSION || file.fingerprint !== fingerprint) return cache;
    const size = numClasses * (numClasses + 1);
    for (const [name, e] of Object.entries(file.entries ?? {})) {
      const cells = e?.cells;
      if (typeof e?.gt !== 'string' || typeof e.pred !== 'string' || !Array.isArray(cells) || cells.length % 2 !== 0) {
        throw new DataError(path, `entry "${name}" is malformed`);
      }
      const counts = new Array<number>(size).fill(0);
      for (let i = 0; i < cells.length; i += 2) {
        if (!Number.isInteger(cells[i]) || cells[i] < 0 || cells[i] >= size) throw new DataError(path, `entry "${name}" has a cell outside the matrix`);
        counts[cells[i]] = cells[i + 1];
      }
      try {
        const matrix = ConfusionMatrix.fromJSON({ numClasses, ignoreIndex, ignoredPixels: e.ignored, unknownGtPixels: e.unknown, counts });
        cache.set(name, e, matrix);
      } catch (err) {
        throw new DataError(path, `entry "${name}": ${errorMessage(err)}`);
      }
    }
    return cache;
  }
}

/** Loads the cache at `path`; a missing file gives an empty cache. */
export async function loadMatrixCache(fs: FileSystem, path: string, numClasses: number, ignoreIndex: number, fingerprint: string): Promise<MatrixCache> {
  if ((await fs.stat(path)) === undefined) return new MatrixCache(numClasses, ignoreIndex, fingerprint);
  const text = new TextDecoder().decode(await fs.readFile(path));
  return MatrixCache.parse(text, path, numClasses, ignoreIndex, fingerprint);
}

export async function saveMatrixCache(fs: FileSystem, path: string, cache: MatrixCache): Promise<void> {
  await fs.createDirectory(dirName(path));
  await fs.writeFileAtomic(path, new TextEncoder().encode(cache.serialize()));
}
