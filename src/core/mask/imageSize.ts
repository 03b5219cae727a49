import { imageSize } from 'image-size';
import { DataError } from '../errors';

/**
 * Width and height of a PNG, JPEG (or any format `image-size` knows) from its first bytes,
 * without decoding pixels. JPEG sizes sit after the metadata segments, so pass enough of the
 * head (64 KiB covers typical EXIF blocks). Sizes are as stored, before any EXIF rotation.
 */
export function readImageSize(head: Uint8Array, path: string): { width: number; height: number } {
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(head);
  } catch (e) {
    throw new DataError(path, `cannot read the image size: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { width, height } = size;
  if (!width || !height) throw new DataError(path, 'cannot read the image size from the file header');
  return { width, height };
}
