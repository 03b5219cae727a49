import type { ImageEntry } from '../core/dataset/types';
import type { Problem } from '../core/errors';
import type { DatasetState } from './datasetState';

/** Images per page node; a dataset with more images is split into pages so no node has more children. */
export const PAGE_SIZE = 1000;

export interface DatasetNode {
  kind: 'dataset';
  dataset: DatasetState;
}
/** Images `start` (inclusive) to `end` (exclusive) of the dataset's image list. */
export interface PageNode {
  kind: 'page';
  dataset: DatasetState;
  start: number;
  end: number;
}
export interface ImageNode {
  kind: 'image';
  dataset: DatasetState;
  entry: ImageEntry;
  /** Position in the dataset's image list, so the parent page can be found. */
  position: number;
}
export interface ProblemsNode {
  kind: 'problems';
  dataset: DatasetState;
}
export interface ProblemNode {
  kind: 'problem';
  dataset: DatasetState;
  problem: Problem;
  position: number;
}

export type TreeNode = DatasetNode | PageNode | ImageNode | ProblemsNode | ProblemNode;

export function isImageNode(value: unknown): value is ImageNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'image';
}

/** The children of a dataset node: pages (or images directly), then a Problems node when there are problems. */
export function datasetChildren(dataset: DatasetState): TreeNode[] {
  const index = dataset.index;
  if (!index) return [];
  const children: TreeNode[] = index.images.length > PAGE_SIZE ? pages(dataset, index.images.length) : imageNodes(dataset, 0, index.images.length);
  if (index.problems.length > 0) children.push({ kind: 'problems', dataset });
  return children;
}

function pages(dataset: DatasetState, count: number): PageNode[] {
  const result: PageNode[] = [];
  for (let start = 0; start < count; start += PAGE_SIZE) {
    result.push({ kind: 'page', dataset, start, end: Math.min(start + PAGE_SIZE, count) });
  }
  return result;
}

export function imageNodes(dataset: DatasetState, start: number, end: number): ImageNode[] {
  const images = dataset.index?.images ?? [];
  const result: ImageNode[] = [];
  for (let i = start; i < Math.min(end, images.length); i++) {
    result.push({ kind: 'image', dataset, entry: images[i], position: i });
  }
  return result;
}

export function problemNodes(dataset: DatasetState): ProblemNode[] {
  return (dataset.index?.problems ?? []).map((problem, position) => ({ kind: 'problem', dataset, problem, position }));
}

export function parentOf(node: TreeNode): TreeNode | undefined {
  switch (node.kind) {
    case 'dataset':
      return undefined;
    case 'page':
    case 'problems':
      return { kind: 'dataset', dataset: node.dataset };
    case 'problem':
      return { kind: 'problems', dataset: node.dataset };
    case 'image': {
      const count = node.dataset.index?.images.length ?? 0;
      if (count <= PAGE_SIZE) return { kind: 'dataset', dataset: node.dataset };
      const start = Math.floor(node.position / PAGE_SIZE) * PAGE_SIZE;
      return { kind: 'page', dataset: node.dataset, start, end: Math.min(start + PAGE_SIZE, count) };
    }
  }
}
