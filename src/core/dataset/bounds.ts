/**
 * The rule that keeps a dataset's reads inside it: a file is read only when its real path (every
 * symbolic link resolved) lies inside the dataset root's real path. A link that leads outside, or
 * that cannot be resolved, is a Problem and is not followed; so `images/x.png -> /etc/passwd` is
 * neither listed, nor converted, nor uploaded.
 */
import { DataError, type Problem } from '../errors';
import type { FileSystem } from '../fileSystem';
import { isInside } from '../paths';

export interface DatasetBounds {
  root: string;
  /** The root with its links resolved. */
  realRoot: string;
}

export async function datasetBounds(fs: FileSystem, root: string): Promise<DatasetBounds> {
  return { root, realRoot: (await fs.realPath(root)) ?? root };
}

/** Why `path`, whose real path is `real`, may not be read; undefined when it lies inside. */
function outsideReason(bounds: DatasetBounds, real: string | undefined): string | undefined {
  if (real === undefined) return 'a symbolic link that cannot be resolved; not followed';
  return isInside(real, bounds.realRoot) ? undefined : `a symbolic link to ${real}, outside the dataset; not followed`;
}

/** The Problem for a link in the dataset whose real path is `real`, or undefined when it is inside. */
export function outsideLinkProblem(bounds: DatasetBounds, path: string, real: string | undefined): Problem | undefined {
  const message = outsideReason(bounds, real);
  return message === undefined ? undefined : { path, kind: 'outside-link', message };
}

/**
 * The Problem for a file or folder of the dataset that resolves outside it (itself a link, or
 * below one), or undefined; also undefined when nothing is there (reading it says so).
 */
export async function outsideProblem(fs: FileSystem, bounds: DatasetBounds, path: string): Promise<Problem | undefined> {
  const real = await fs.realPath(path);
  if (real === undefined && (await fs.stat(path)) === undefined) return undefined;
  return outsideLinkProblem(bounds, path, real);
}

/** Throws DataError when the file or folder at `path` lies outside the dataset. */
export async function checkInside(fs: FileSystem, bounds: DatasetBounds, path: string): Promise<void> {
  const problem = await outsideProblem(fs, bounds, path);
  if (problem) throw new DataError(path, problem.message);
}

/** Reads a file of the dataset, checking its real path first; throws DataError when it lies outside. */
export async function readInside(fs: FileSystem, bounds: DatasetBounds, path: string): Promise<Uint8Array> {
  await checkInside(fs, bounds, path);
  return fs.readFile(path);
}
