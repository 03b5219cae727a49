/**
 * A card for an imported .onnx ("SegLab: Add Model…"): what the file says (input/output names,
 * fixed size, channels, output stride from a probe run) plus the few answers the user gave.
 */
import type { ClassDef } from '../classes';
import type { ModelIo } from './backend';
import type { Architecture, InputSpec, ModelCard } from './card';
import { IMAGENET_MEAN, IMAGENET_STD } from './resolve';

export const NORMALISATIONS = {
  imagenet: { label: 'ImageNet mean/std on 0-1 RGB', mean: IMAGENET_MEAN, std: IMAGENET_STD, scale: 1 / 255 },
  unit: { label: '0-1 RGB, no normalisation', mean: [0, 0, 0], std: [1, 1, 1], scale: 1 / 255 },
  symmetric: { label: '-1 to 1 RGB (mean 0.5, std 0.5)', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], scale: 1 / 255 },
  raw: { label: '0-255 RGB, no normalisation', mean: [0, 0, 0], std: [1, 1, 1], scale: 1 },
} satisfies Record<string, Pick<InputSpec, 'mean' | 'std' | 'scale'> & { label: string }>;
export type Normalisation = keyof typeof NORMALISATIONS;

/** A guess for the architecture picker: torchvision's segmentation models name their outputs out/aux. */
export function guessArchitecture(io: ModelIo, stride: number): Architecture {
  if (stride === 4) return 'segformer';
  return io.outputs.some((o) => o.name === 'aux') ? 'deeplabv3' : 'other';
}

export interface NewCardArgs {
  name: string;
  architecture: Architecture;
  io: ModelIo;
  outputName: string;
  classes: readonly ClassDef[];
  normalisation: Normalisation;
  multipleOf: number;
  /** Input side / output side, from a probe run. */
  stride: number;
  sha256: string;
}

export function newCard(a: NewCardArgs): ModelCard {
  const shape = a.io.inputs[0].shape;
  const size = shape && typeof shape[2] === 'number' && typeof shape[3] === 'number' ? ([shape[2], shape[3]] as [number, number]) : undefined;
  const { mean, std, scale } = NORMALISATIONS[a.normalisation];
  return {
    name: a.name,
    architecture: a.architecture,
    classes: a.classes.map((c) => ({ ...c })),
    input: { name: a.io.inputs[0].name, mean: [...mean] as InputSpec['mean'], std: [...std] as InputSpec['std'], scale, order: 'RGB', size, multipleOf: size ? 1 : a.multipleOf },
    output: { name: a.outputName, kind: 'logits', stride: a.stride },
    sha256: a.sha256,
    training: { note: 'imported with SegLab: Add Model…; provenance unknown' },
  };
}
