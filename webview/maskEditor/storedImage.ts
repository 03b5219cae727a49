/**
 * The image on the grid of its mask: as stored, without EXIF orientation (core/mask/imageSize.ts).
 * Chromium applies the tag when it decodes (createImageBitmap does with any imageOrientation), so
 * an oriented JPEG is drawn back onto its stored grid; labels then line up with what the trainer
 * and the pre-labeler read.
 */
import { readImageSize, storedFromDisplayed } from '../../src/core/mask/imageSize';

export async function storedImage(bytes: Uint8Array): Promise<ImageBitmap> {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { imageOrientation: 'from-image' });
  let size;
  try {
    size = readImageSize(bytes, 'image');
  } catch {
    return bitmap; // a format whose header image-size cannot read carries no EXIF tag it knows either
  }
  if (size.orientation === 1) return bitmap;
  const canvas = new OffscreenCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  ctx.setTransform(...storedFromDisplayed(size.orientation, size.width, size.height));
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return canvas.transferToImageBitmap();
}
