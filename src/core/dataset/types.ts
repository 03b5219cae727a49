import type { ClassDef } from '../classes';
import type { Problem } from '../errors';

export type Layout = 'voc' | 'cvat' | 'plain' | 'seglab';

/** Everything a dataset needs to be read; `seglab.json` holds exactly this (all paths relative to the root). */
export interface DatasetConfig {
  name: string;
  classes: ClassDef[];
  ignoreIndex: number;
  imagesDir: string;
  masksDir: string;
  /** Prediction masks of model M live in `<predictionsDir>/<M>/`. */
  predictionsDir: string;
  /** Split name -> list file (one stem per line), relative to the root. */
  splits: Record<string, string>;
}

export type ImageStatus = 'labeled' | 'unlabeled' | 'predicted' | 'invalid';

export interface ImageEntry {
  stem: string;
  /** Paths relative to the dataset root. */
  image: string;
  mask?: string;
  /** Model names with a prediction mask for this image. */
  predictions: string[];
  splits: string[];
  status: ImageStatus;
}

export interface DatasetIndex {
  root: string;
  layout: Layout;
  config: DatasetConfig;
  images: ImageEntry[];
  problems: Problem[];
}
