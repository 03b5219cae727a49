/**
 * Everything the pipeline needs to run one model on one dataset: the card (or defaults when the
 * .onnx has none), the model's real input/output names and shapes, and the mapping from output
 * channels to the dataset's class ids. Defaults used are listed so the user is told about them.
 */
import type { ClassDef } from '../classes';
import { DataError } from '../errors';
import type { ModelIo } from './backend';
import type { Architecture, InputSpec, ModelCard, OutputSpec } from './card';

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
/** Card-less dynamic models: sides padded to a multiple of 32, enough for common backbones. */
export const DEFAULT_MULTIPLE_OF = 32;

export interface ResolvedModel {
  name: string;
  architecture: Architecture;
  input: InputSpec & { name: string };
  output: OutputSpec & { name: string };
  /** The dataset's classes in output-channel order. */
  classes: ClassDef[];
  /** Output channel -> value written to the mask (class id). */
  labels: Uint8Array;
  /** What came from defaults rather than a card, in words; empty with a complete card. */
  defaults: string[];
}

export interface DatasetClasses {
  classes: readonly ClassDef[];
  ignoreIndex: number;
  /** Named in class mismatch errors (the dataset folder or its seglab.json). */
  path: string;
}

export interface ResolveArgs {
  /** The .onnx file; named in errors about a card-less model. */
  modelPath: string;
  card?: ModelCard;
  cardPath?: string;
  io: ModelIo;
  /** Channels of the chosen output (from its shape, or from a probe run when symbolic). */
  channels: number;
  dataset: DatasetClasses;
}

/** The output a card-less model is read from: torchvision's `out`, else `logits`, else the first. */
export function defaultOutputName(io: ModelIo): string {
  const names = io.outputs.map((o) => o.name);
  return names.find((n) => n === 'out') ?? names.find((n) => n === 'logits') ?? names[0];
}

/** Output channels when the shape says so; undefined when symbolic (probe with a run). */
export function declaredChannels(io: ModelIo, outputName: string): number | undefined {
  const c = io.outputs.find((o) => o.name === outputName)?.shape?.[1];
  return typeof c === 'number' && c > 0 ? c : undefined;
}

const norm = (name: string) => name.trim().toLowerCase();

/** Card classes must exist in the dataset with the same id and name. */
function matchClasses(card: ModelCard, cardPath: string, dataset: DatasetClasses): ClassDef[] {
  return card.classes.map((c, i) => {
    const d = dataset.classes.find((x) => x.id === c.id);
    if (!d) {
      throw new DataError(cardPath, `classes[${i}]: class id ${c.id} ("${c.name}") is not a class of the dataset ${dataset.path} (ids ${dataset.classes.map((x) => x.id).join(', ')})`);
    }
    if (norm(d.name) !== norm(c.name)) {
      throw new DataError(cardPath, `classes[${i}]: class id ${c.id} is "${c.name}" in the model but "${d.name}" in the dataset ${dataset.path}`);
    }
    return d;
  });
}

function imageSize(io: ModelIo): [number, number] | undefined {
  const s = io.inputs[0]?.shape;
  return s && typeof s[2] === 'number' && typeof s[3] === 'number' && s[2] > 0 && s[3] > 0 ? [s[2], s[3]] : undefined;
}

export function resolveModel({ modelPath, card, cardPath = modelPath, io, channels, dataset }: ResolveArgs): ResolvedModel {
  if (io.inputs.length !== 1) throw new DataError(modelPath, `expected one image input, the model has ${io.inputs.length} (${io.inputs.map((i) => i.name).join(', ')})`);
  const inputName = io.inputs[0].name;
  const defaults: string[] = [];
  if (card) {
    if (card.input.name !== undefined && card.input.name !== inputName) {
      throw new DataError(cardPath, `input.name: "${card.input.name}" is not the model's input (it is "${inputName}")`);
    }
    const outputName = card.output.name ?? defaultOutputName(io);
    if (!io.outputs.some((o) => o.name === outputName)) {
      throw new DataError(cardPath, `output.name: "${outputName}" is not an output of the model (outputs: ${io.outputs.map((o) => o.name).join(', ')})`);
    }
    if (card.output.name === undefined) defaults.push(`output "${outputName}" (the card names none)`);
    if (card.classes.length !== channels) {
      throw new DataError(cardPath, `classes: the card lists ${card.classes.length} classes but output "${outputName}" has ${channels} channels`);
    }
    const classes = matchClasses(card, cardPath, dataset);
    return {
      name: card.name,
      architecture: card.architecture,
      input: { ...card.input, size: card.input.size ?? imageSize(io), name: inputName },
      output: { ...card.output, name: outputName },
      classes,
      labels: Uint8Array.from(classes, (c) => c.id),
      defaults,
    };
  }
  const outputName = defaultOutputName(io);
  const classes = [...dataset.classes].sort((a, b) => a.id - b.id);
  if (classes.length !== channels) {
    throw new DataError(modelPath, `has no model card and its output "${outputName}" has ${channels} channels, but the dataset ${dataset.path} has ${classes.length} classes; add a card (<name>.json) that lists the model's classes`);
  }
  const size = imageSize(io);
  defaults.push(
    'no model card: ImageNet mean/std on 0-1 RGB input',
    `classes: the dataset's ${classes.length} classes in id order (the output has ${channels} channels)`,
    `output "${outputName}" read as logits`,
    size ? `fixed input size ${size[0]}x${size[1]} from the file` : `input sides padded to a multiple of ${DEFAULT_MULTIPLE_OF}`,
  );
  const name = modelPath.replace(/\\/g, '/').split('/').pop()!.replace(/\.onnx$/i, '');
  return {
    name,
    architecture: 'other',
    input: { name: inputName, mean: IMAGENET_MEAN, std: IMAGENET_STD, scale: 1 / 255, order: 'RGB', size, multipleOf: size ? 1 : DEFAULT_MULTIPLE_OF },
    output: { name: outputName, kind: 'logits', stride: 1 },
    classes,
    labels: Uint8Array.from(classes, (c) => c.id),
    defaults,
  };
}
