import { applyDelta, checkDeltaValues, deltaMatches, deserializeDelta, type MaskDelta } from '../core/editing/delta';
import type { ImageContext } from './imageContext';
import type { JournalEntry } from '../core/editing/journal';
import { checkInside, datasetBounds, readInside } from '../core/dataset/bounds';
import { readImageFileSize } from '../core/dataset/validate';
import { DataError } from '../core/errors';
import type { FileSystem } from '../core/fileSystem';
import { decodeMask, encodeMask, type Mask } from '../core/mask/codec';
import { knownValues } from '../core/mask/values';
import { dirName } from '../core/paths';

/**
 * The authoritative mask of one open document: the webviews only propose deltas, which are
 * validated against the mask's size and current pixels before they are applied.
 */
export class MaskModel {
  /** The steps since the mask was loaded or saved: what a hot-exit backup holds. */
  journal: JournalEntry[] = [];

  constructor(
    readonly context: ImageContext,
    public mask: Mask,
  ) {}

  /**
   * Applies a serialized delta from a webview; throws (changing nothing) if it is malformed, outside
   * the mask, writes a value that is no class id nor the ignore index, or is stale.
   */
  applyEdit(buffer: ArrayBuffer): MaskDelta {
    const delta = deserializeDelta(buffer, this.mask.width, this.mask.height);
    checkDeltaValues(delta, knownValues(this.context.config.classes, this.context.config.ignoreIndex));
    this.apply(delta);
    return delta;
  }

  /** Applies a new delta (a webview's gesture or a host-side edit such as a pre-label); throws if it is stale. */
  apply(delta: MaskDelta): void {
    if (!deltaMatches(this.mask, delta, 'before')) throw new Error('edit does not match the current mask');
    applyDelta(this.mask, delta, 'redo');
    this.journal.push({ delta, direction: 'redo' });
  }

  /** Undoes or redoes a delta; false (and no change) when the mask was replaced since, e.g. by a revert. */
  step(delta: MaskDelta, direction: 'undo' | 'redo'): boolean {
    if (!deltaMatches(this.mask, delta, direction === 'undo' ? 'after' : 'before')) return false;
    applyDelta(this.mask, delta, direction);
    this.journal.push({ delta, direction });
    return true;
  }

  encode(): Uint8Array {
    return encodeMask(this.mask, this.context.config.classes, this.context.config.ignoreIndex);
  }

  /**
   * Atomic write of the encoded mask; creates the masks folder for a dataset's first mask.
   * Writing the document's own mask file starts a new journal; returns the bytes written.
   */
  async save(fs: FileSystem, path = this.context.maskPath): Promise<Uint8Array> {
    const folder = dirName(path);
    if (!(await fs.stat(folder))) await fs.createDirectory(folder);
    const bytes = this.encode();
    await fs.writeFileAtomic(path, bytes);
    if (path === this.context.maskPath) this.journal = [];
    return bytes;
  }
}

/**
 * The mask file's content, or an empty mask (all background) when there is none yet. Its size must
 * equal the image's. Neither is read when its real path is outside the dataset (core/dataset/bounds.ts).
 */
export async function loadMask(fs: FileSystem, context: ImageContext): Promise<Mask> {
  const bounds = await datasetBounds(fs, context.root);
  await checkInside(fs, bounds, context.imagePath);
  const size = await readImageFileSize(fs, context.imagePath);
  const { maskPath, config } = context;
  if (!(await fs.stat(maskPath))) return { width: size.width, height: size.height, data: new Uint8Array(size.width * size.height) };
  const mask = decodeMask(await readInside(fs, bounds, maskPath), { path: maskPath, classes: config.classes, ignoreIndex: config.ignoreIndex });
  if (mask.width !== size.width || mask.height !== size.height) {
    throw new DataError(maskPath, `mask is ${mask.width}x${mask.height} but its image ${context.imagePath} is ${size.width}x${size.height}`);
  }
  return mask;
}
