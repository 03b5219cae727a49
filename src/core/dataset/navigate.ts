import type { ImageEntry } from './types';

/** Where "Next Image", "Previous Image" and "Next Unlabeled Image" go from the image at index `from`. */
export type Step = 'next' | 'previous' | 'nextUnlabeled';

/**
 * The image a step leads to, in the dataset's order (the Dataset tree's), or undefined at either
 * end. "Next unlabeled" goes round past the last image, since labeling rarely starts at the first;
 * it never returns the image it starts from.
 */
export function stepFrom(images: readonly ImageEntry[], from: number, step: Step): ImageEntry | undefined {
  if (step === 'next') return images[from + 1];
  if (step === 'previous') return from > 0 ? images[from - 1] : undefined;
  for (let i = 1; i < images.length; i++) {
    const entry = images[(from + i) % images.length];
    if (!entry.mask) return entry;
  }
  return undefined;
}
