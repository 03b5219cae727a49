/**
 * Everything the pipeline needs to run one model on one dataset: the card (or defaults when the
 * .onnx has none), the model's real input/output names, shapes and types, and the mapping from
 * the model's classes to the dataset's class ids. Defaults used are listed so the user is told
 * about them. What cannot give a right answer is refused with a ConfigError naming the card (or
 * the model) and the field to change: no combination of fields yields a silent wrong answer.
 */
import { ConfigError } from '../errors';
import type { ModelIo } from './backend';
import type { Architecture, InputSpec, ModelCard, OutputSpec } from './card';
import { mapClasses, type ClassMapping, type DatasetClasses } from './classMapping';
import { INPUT_DTYPES, type InputDtype, type Layout } from './tensors';

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
/** Card-less dynamic models: sides padded to a multiple of 32, enough for common backbones. */
export const DEFAULT_MULTIPLE_OF = 32;

export type ResolvedInput = InputSpec & { name: string; layout: Layout; dtype: InputDtype };

export interface ResolvedModel {
  name: string;
  architecture: Architecture;
  input: ResolvedInput;
  output: OutputSpec & { name: string; layout: Layout };
  /** Channels the pipeline carries: 1 for a sigmoid output, one per model class otherwise (multilabel too; a label map becomes one-hot). */
  channels: number;
  /** Model class (channel; sigmoid: below, above) -> value written to the mask: a dataset class id, or the ignore index. */
  labels: Uint8Array;
  /** How the model's classes became the dataset's. */
  mapping: ClassMapping;
  /** What came from defaults rather than a card, in words; empty with a complete card. */
  defaults: string[];
}

export type { DatasetClasses };

export interface ResolveArgs {
  /** The .onnx file; named in errors about a card-less model. */
  modelPath: string;
  card?: ModelCard;
  cardPath?: string;
  io: ModelIo;
  /** Channels of the chosen output (from its shape, or from a probe run when symbolic); unused for label maps. */
  channels: number;
  dataset: DatasetClasses;
}

/** The output a card-less model is read from: torchvision's `out`, else `logits`, else the first. */
export function defaultOutputName(io: ModelIo): string {
  const names = io.outputs.map((o) => o.name);
  return names.find((n) => n === 'out') ?? names.find((n) => n === 'logits') ?? names[0];
}

/** The layout a 4-D image shape shows (3 channels first or last); undefined when it does not tell. */
export function shapeLayout(shape: ModelIo['inputs'][number]['shape']): Layout | undefined {
  if (shape?.length !== 4) return undefined;
  if (shape[1] === 3) return 'NCHW';
  if (shape[3] === 3) return 'NHWC';
  return undefined;
}

/** Output channels when the shape says so; undefined when symbolic (probe with a run). */
export function declaredChannels(io: ModelIo, outputName: string, layout: Layout): number | undefined {
  const shape = io.outputs.find((o) => o.name === outputName)?.shape;
  const c = shape?.length === 4 ? shape[layout === 'NHWC' ? 3 : 1] : undefined;
  return typeof c === 'number' && c > 0 ? c : undefined;
}

/** Integer outputs hold class indices (argmax inside the graph). */
export const isIntegerType = (type: string | undefined) => type !== undefined && /^u?int\d+$/.test(type);

function imageSize(io: ModelIo, layout: Layout): [number, number] | undefined {
  const s = io.inputs[0]?.shape;
  const [h, w] = layout === 'NHWC' ? [s?.[1], s?.[2]] : [s?.[2], s?.[3]];
  return typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? [h, w] : undefined;
}

const isIdentity = (i: Pick<InputSpec, 'mean' | 'std' | 'scale'>) => i.scale === 1 && i.mean.every((m) => m === 0) && i.std.every((s) => s === 1);

/** The input as the model takes it: the card's fields checked against the file, gaps filled from it. */
export function resolveInput(io: ModelIo, modelPath: string, card: ModelCard | undefined, cardPath: string, defaults: string[]): ResolvedInput {
  if (io.inputs.length !== 1)
    throw new ConfigError(modelPath, `expected one image input, the model has ${io.inputs.length} (${io.inputs.map((i) => i.name).join(', ')})`);
  const { name, shape, type } = io.inputs[0];
  const seen = shapeLayout(shape);
  if (card?.input.name !== undefined && card.input.name !== name)
    throw new ConfigError(cardPath, `input.name: "${card.input.name}" is not the model's input (it is "${name}")`);
  if (card?.input.layout && seen && card.input.layout !== seen) {
    throw new ConfigError(
      cardPath,
      `input.layout: "${card.input.layout}", but the model's input "${name}" is [${shape!.join(', ')}]`,
      `set "layout": "${seen}"`,
    );
  }
  const layout = card?.input.layout ?? seen ?? 'NCHW';
  if (!card?.input.layout && !seen) defaults.push(`input layout NCHW (the input shape [${shape?.join(', ') ?? '?'}] does not tell)`);
  const modelType = type as InputDtype | undefined;
  if (modelType !== undefined && !INPUT_DTYPES.includes(modelType))
    throw new ConfigError(modelPath, `input "${name}" is ${type}; SegLab feeds ${INPUT_DTYPES.join(', ')}`);
  if (card?.input.dtype && modelType && card.input.dtype !== modelType) {
    throw new ConfigError(
      cardPath,
      `input.dtype: "${card.input.dtype}", but the model's input "${name}" is ${modelType}`,
      `set "dtype": "${modelType}" or leave it out`,
    );
  }
  const dtype = card?.input.dtype ?? modelType ?? 'float32';
  const size = card?.input.size ?? imageSize(io, layout);
  const base: InputSpec = card?.input ?? {
    mean: dtype === 'uint8' ? [0, 0, 0] : IMAGENET_MEAN,
    std: dtype === 'uint8' ? [1, 1, 1] : IMAGENET_STD,
    scale: dtype === 'uint8' ? 1 : 1 / 255,
    order: 'RGB',
    multipleOf: size ? 1 : DEFAULT_MULTIPLE_OF,
    resize: 'letterbox',
  };
  if (dtype === 'uint8' && !isIdentity(base)) {
    throw new ConfigError(
      cardPath,
      'input.scale: a uint8 input takes the pixel values 0-255 as they are (the model normalises inside)',
      'set "scale": 1, "mean": [0, 0, 0], "std": [1, 1, 1]',
    );
  }
  if (base.resize === 'stretch' && !size)
    throw new ConfigError(cardPath, 'input.resize: "stretch" needs a fixed-size model, and this one takes any size', 'use "letterbox" (or give input.size)');
  if (!card) {
    defaults.push(dtype === 'uint8' ? 'no model card: 0-255 RGB input as it is (uint8)' : 'no model card: ImageNet mean/std on 0-1 RGB input');
    defaults.push(size ? `fixed input size ${size[0]}x${size[1]} from the file, letterboxed` : `input sides padded to a multiple of ${DEFAULT_MULTIPLE_OF}`);
  }
  return { ...base, name, layout, dtype, size };
}

/** The output's kind, checked against its channels, and the channels the pipeline carries. */
function resolveOutput(a: ResolveArgs, input: ResolvedInput, classCount: number, defaults: string[]): { output: ResolvedModel['output']; channels: number } {
  const { card, io, modelPath } = a;
  const cardPath = a.cardPath ?? modelPath;
  const name = card?.output.name ?? defaultOutputName(io);
  if (!io.outputs.some((o) => o.name === name))
    throw new ConfigError(cardPath, `output.name: "${name}" is not an output of the model (outputs: ${io.outputs.map((o) => o.name).join(', ')})`);
  if (card && card.output.name === undefined) defaults.push(`output "${name}" (the card names none)`);
  const type = io.outputs.find((o) => o.name === name)?.type;
  const spec: OutputSpec = card?.output ?? { kind: isIntegerType(type) ? 'labels' : 'logits', stride: 1 };
  if (!card) defaults.push(spec.kind === 'labels' ? `output "${name}" read as class indices (it is ${type})` : `output "${name}" read as logits`);
  const output = { ...spec, name, layout: spec.layout ?? input.layout };
  if (spec.kind === 'labels') return { output, channels: classCount };
  const channels = a.channels;
  const where = card ? cardPath : modelPath;
  if (spec.kind === 'sigmoid') {
    if (channels !== 1)
      throw new ConfigError(
        cardPath,
        `output.kind: "sigmoid" needs one channel, output "${name}" has ${channels}`,
        'use "logits" or "probabilities" with one class per channel',
      );
    return { output, channels };
  }
  if (spec.kind === 'multilabel' && channels !== classCount) {
    throw new ConfigError(
      cardPath,
      `classes: a "multilabel" output has one class per channel; the card lists ${classCount} classes but output "${name}" has ${channels} channels`,
      channels === 1
        ? 'a one-channel binary model is "kind": "sigmoid" with two classes'
        : 'list one class per channel, in channel order, the background first (model classes the dataset lacks too, with a classMap)',
    );
  }
  if (channels === 1) {
    throw new ConfigError(
      where,
      `${card ? 'output.kind' : 'output'}: "${name}" has one channel, and an argmax over one channel is the same class on every pixel`,
      `for a binary model write a card with "output": {"kind": "sigmoid", "activation": "applied" (the graph ends in a Sigmoid) or "none"} and two classes (seglab card proposes one)`,
    );
  }
  if (channels !== classCount) {
    throw new ConfigError(
      where,
      card
        ? `classes: the card lists ${classCount} classes but output "${name}" has ${channels} channels`
        : `has no model card and its output "${name}" has ${channels} channels, but the dataset ${a.dataset.path} has ${classCount} classes`,
      card
        ? 'list one class per channel, in channel order (model classes the dataset lacks too, with a classMap)'
        : "add a card (<name>.json) that lists the model's classes (seglab card writes one)",
    );
  }
  return { output, channels };
}

export function resolveModel(a: ResolveArgs): ResolvedModel {
  const { card, io, modelPath, dataset } = a;
  const cardPath = a.cardPath ?? modelPath;
  const defaults: string[] = [];
  const input = resolveInput(io, modelPath, card, cardPath, defaults);
  const classes = card?.classes ?? [...dataset.classes].sort((x, y) => x.id - y.id);
  const { output, channels } = resolveOutput(a, input, classes.length, defaults);
  if (!card) defaults.push(`classes: the dataset's ${classes.length} classes in id order`);
  const mapping = mapClasses(classes, card?.classMap, cardPath, dataset);
  return {
    name:
      card?.name ??
      modelPath
        .replace(/\\/g, '/')
        .split('/')
        .pop()!
        .replace(/\.onnx$/i, ''),
    architecture: card?.architecture ?? 'other',
    input,
    output,
    channels,
    labels: Uint8Array.from(mapping.classes, (c) => c.to ?? dataset.ignoreIndex),
    mapping,
    defaults,
  };
}
