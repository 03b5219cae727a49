import { applyDelta, deltaMatches, deserializeDelta, type MaskDelta } from '../core/editing/delta';
import type { ImageContext } from './imageContext';
import { readImageFileSize } from '../core/dataset/validate';
import { DataError } from '../core/errors';
import type { FileSystem } from '../core/fileSystem';
import { decodeMask, encodeMask, type Mask } from '../core/mask/codec';
import { dirName } from '../core/paths';

/**
 * The authoritative mask of one open document: the webviews only propose deltas, which are
 * validated against the mask's size and current pixels before they are applied.
 */
export class MaskModel {
  constructor(
    readonly context: ImageContext,
    public mask: Mask,
  ) {}

  /** Applies a serialized delta from a webview; throws (changing nothing) if it is malformed or stale. */
  applyEdit(buffer: ArrayBuffer): MaskDelta {
    const delta = deserializeDelta(buffer, this.mask.width, this.mask.height);
    if (!deltaMatches(this.mask, delta, 'before')) throw new Error('edit does not match the current mask');
    applyDelta(this.mask, delta, 'redo');
    return delta;
  }

  /** Undoes or redoes a delta; false (and no change) when the mask was replaced since, e.g. by a revert. */
  step(delta: MaskDelta, direction: 'undo' | 'redo'): boolean {
    if (!deltaMatches(this.mask, delta, direction === 'undo' ? 'after' : 'before')) return false;
    applyDelta(this.mask, delta, direction);
    return true;
  }

  encode(): Uint8Array {
    return encodeMask(this.mask, this.context.config.classes, this.context.config.ignoreIndex);
  }

  /** Atomic write of the encoded mask; creates the masks folder for a dataset's first mask. */
  async save(fs: FileSystem, path = this.context.maskPath): Promise<void> {
    const folder = dirName(path);
    if (!(await fs.stat(folder))) await fs.createDirectory(folder);
    await fs.writeFileAtomic(path, this.encode());
  }
}

/**
 * The mask to edit: from `source` (a backup) or the mask file, else empty (all background).
 * Its size must equal the image's.
 */
export async function loadMask(fs: FileSystem, context: ImageContext, source?: { path: string; bytes: Uint8Array }): Promise<Mask> {
  const size = await readImageFileSize(fs, context.imagePath);
  const { classes, ignoreIndex } = context.config;
  const file = source ?? ((await fs.stat(context.maskPath)) ? { path: context.maskPath, bytes: await fs.readFile(context.maskPath) } : undefined);
  if (!file) return { ...size, data: new Uint8Array(size.width * size.height) };
  const mask = decodeMask(file.bytes, { path: file.path, classes, ignoreIndex });
  if (mask.width !== size.width || mask.height !== size.height) {
    throw new DataError(file.path, `mask is ${mask.width}x${mask.height} but its image ${context.imagePath} is ${size.width}x${size.height}`);
  }
  return mask;
}
