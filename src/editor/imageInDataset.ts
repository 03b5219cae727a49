import type { DatasetIndex } from '../core/dataset/types';
import { joinPath } from '../core/paths';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetState } from '../dataset/datasetState';
import type { ImageContext } from './imageContext';

export interface ImageInDataset {
  dataset: DatasetState;
  index: DatasetIndex;
  /** The image's place in the index (the Dataset tree's order). */
  position: number;
}

/** Where the Dataset tree has an open image; undefined when the tree does not show its dataset or its index lacks it. */
export function imageInDataset(registry: DatasetRegistry, context: ImageContext): ImageInDataset | undefined {
  const dataset = registry.datasets.find((d) => d.index?.root === context.root);
  const index = dataset?.index;
  if (!dataset || !index) return undefined;
  const position = positionOf(index, context.imagePath);
  return position < 0 ? undefined : { dataset, index, position };
}

export function positionOf(index: DatasetIndex, imagePath: string): number {
  return index.images.findIndex((e) => joinPath(index.root, e.image) === imagePath);
}
