import { detectDataset } from '../core/dataset/detect';
import { indexDataset } from '../core/dataset/datasetIndex';
import type { DatasetIndex } from '../core/dataset/types';
import type { FileSystem } from '../core/fileSystem';
import { UsageError, type Options, type Parsed } from './args';
import type { Io } from './output';

export interface Command {
  name: string;
  summary: string;
  /** Full help: usage line, options, exit codes where they differ. */
  help: string;
  options: Options;
  /** Returns the exit code: 0 success, 1 problems found in the data. */
  run(parsed: Parsed, io: Io): Promise<number>;
}

/** A dataset named on the command line; a missing folder or a non-dataset is a usage error. */
export async function openDataset(fs: FileSystem, path: string): Promise<DatasetIndex> {
  if ((await fs.stat(path))?.type !== 'directory') throw new UsageError(`${path}: no such folder`);
  const detection = await detectDataset(fs, path);
  if (!detection) {
    throw new UsageError(`${path}: not a dataset (expected seglab.json, JPEGImages/ + SegmentationClass/, or images/ + masks/)`);
  }
  return indexDataset(fs, path, detection);
}
