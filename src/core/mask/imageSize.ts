import { imageSize } from 'image-size';
import { DataError, errorMessage } from '../errors';

export interface ImageSize {
  /** As stored, before any EXIF rotation: the grid of the image's mask. */
  width: number;
  height: number;
  /** The EXIF orientation tag (1-8); 1 when there is none. */
  orientation: number;
}

/**
 * Width and height of a PNG, JPEG (or any format `image-size` knows) from its first bytes,
 * without decoding pixels. JPEG sizes sit after the metadata segments, so pass enough of the
 * head (64 KiB covers typical EXIF blocks).
 */
export function readImageSize(head: Uint8Array, path: string): ImageSize {
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(head);
  } catch (e) {
    throw new DataError(path, `cannot read the image size: ${errorMessage(e)}`);
  }
  const { width, height, orientation } = size;
  if (!width || !height) throw new DataError(path, 'cannot read the image size from the file header');
  return { width, height, orientation: orientation && orientation >= 1 && orientation <= 8 ? orientation : 1 };
}

/**
 * SegLab's pixel grid is the image as stored: masks, the trainer (Pillow) and the pre-labeler
 * ignore EXIF orientation, as most segmentation datasets and loaders do. Browsers apply it when
 * they decode. This is the canvas transform (`setTransform(a, b, c, d, e, f)`) that draws the
 * browser's EXIF-oriented bitmap back onto the stored width x height grid.
 */
export function storedFromDisplayed(orientation: number, width: number, height: number): [number, number, number, number, number, number] {
  switch (orientation) {
    case 2:
      return [-1, 0, 0, 1, width, 0]; // mirrored
    case 3:
      return [-1, 0, 0, -1, width, height]; // rotated 180°
    case 4:
      return [1, 0, 0, -1, 0, height]; // flipped
    case 5:
      return [0, 1, 1, 0, 0, 0]; // transposed
    case 6:
      return [0, -1, 1, 0, 0, height]; // rotated 90° clockwise
    case 7:
      return [0, -1, -1, 0, width, height]; // transversed
    case 8:
      return [0, 1, -1, 0, width, 0]; // rotated 90° counter-clockwise
    default:
      return [1, 0, 0, 1, 0, 0];
  }
}
