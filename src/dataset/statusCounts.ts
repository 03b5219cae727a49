import * as vscode from 'vscode';
import type { ImageEntry, ImageStatus } from '../core/dataset/types';

export type StatusCounts = Record<ImageStatus, number> & { images: number };

export function emptyCounts(): StatusCounts {
  return { images: 0, labeled: 0, unlabeled: 0, predicted: 0, invalid: 0 };
}

export function countStatuses(images: readonly ImageEntry[], into: StatusCounts = emptyCounts()): StatusCounts {
  into.images += images.length;
  for (const image of images) into[image.status]++;
  return into;
}

/** "60 images · 48 labeled · 12 unlabeled", with predicted and invalid only when there are any. */
export function formatCounts(c: StatusCounts): string {
  const parts = [
    c.images === 1 ? vscode.l10n.t('1 image') : vscode.l10n.t('{0} images', c.images),
    vscode.l10n.t('{0} labeled', c.labeled),
    vscode.l10n.t('{0} unlabeled', c.unlabeled),
  ];
  if (c.predicted > 0) parts.push(vscode.l10n.t('{0} predicted', c.predicted));
  if (c.invalid > 0) parts.push(vscode.l10n.t('{0} invalid', c.invalid));
  return parts.join(' · ');
}
