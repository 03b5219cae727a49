// Worker thread of the demo generator: renders and writes the images (and masks) it is given.
import { writeFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import jpeg from 'jpeg-js';
import type { DatasetConfig } from '../../src/core/dataset/types';
import { encodeMask } from '../../src/core/mask/codec';
import { createRandom } from './random';
import { renderScene, type Scene } from './scene';

export interface ImageJob {
  index: number;
  seed: number;
  size: number;
  labeled: boolean;
  /** Absolute output paths. */
  image: string;
  mask: string;
}

/** Image `index` of dataset `seed` draws from its own stream, whatever else is generated. */
export function imageSeed(seed: number, index: number): number {
  return (Math.imul(seed, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/**
 * Image `index`'s scene, as written: a third of the labeled images' masks mark a few uncertain boundary pixels
 * as ignore, as careful annotators do. With `labeled` false its mask is the image's ground truth without ignore
 * pixels, which the tests score an unlabeled image's answers against.
 */
export function demoScene(seed: number, index: number, size: number, labeled: boolean): Scene {
  return renderScene(createRandom(imageSeed(seed, index)), size, labeled && index % 3 === 0);
}

export function writeImage(job: ImageJob, config: DatasetConfig): void {
  const scene = demoScene(job.seed, job.index, job.size, job.labeled);
  writeFileSync(job.image, jpeg.encode({ data: scene.rgba, width: job.size, height: job.size }, 90).data);
  if (job.labeled) {
    writeFileSync(job.mask, encodeMask({ width: job.size, height: job.size, data: scene.mask }, config.classes, config.ignoreIndex));
  }
}

if (workerData) {
  const { jobs, config } = workerData as { jobs: ImageJob[]; config: DatasetConfig };
  for (const job of jobs) writeImage(job, config);
}
