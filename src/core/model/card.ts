/**
 * The model card `<name>.json` next to `<name>.onnx`: the contract between the trainer
 * (backend/seglab_trainer/export.py writes it) and the pre-labeler. Parsing checks every field
 * it uses and names the card file in each error; fields it does not use (training, metrics,
 * onnx) are kept as they are.
 */
import type { ClassDef, Rgb } from '../classes';
import { DataError, errorMessage } from '../errors';

/** A dataset's own models: `<root>/models/<name>.onnx` with its card `<name>.json`. */
export const MODELS_FOLDER = 'models';

export const ARCHITECTURES = ['deeplabv3', 'deeplabv3plus', 'unet', 'fcn', 'segformer', 'other'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export interface InputSpec {
  name?: string;
  mean: [number, number, number];
  std: [number, number, number];
  /** Pixel values are multiplied by this before normalising (1/255: 0-1 input). */
  scale: number;
  order: 'RGB' | 'BGR';
  /** [height, width] of a fixed-size model; undefined when height and width are dynamic. */
  size?: [number, number];
  /** Dynamic models need sides that are a multiple of this. */
  multipleOf: number;
}

export interface OutputSpec {
  name?: string;
  kind: 'logits' | 'probabilities';
  /** 1: full resolution; 4: a quarter of the input (SegFormer). */
  stride: number;
}

export interface ModelCard {
  name: string;
  architecture: Architecture;
  /** One per output channel, in channel order. */
  classes: ClassDef[];
  input: InputSpec;
  output: OutputSpec;
  sha256?: string;
  /** The trainer's build options (backbone, widths...), kept as written: a fine-tune rebuilds the same model. */
  architectureOptions?: unknown;
  training?: unknown;
  metrics?: unknown;
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function triple(v: unknown, field: string, path: string, positive: boolean): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) {
    throw new DataError(path, `${field}: expected three ${positive ? 'positive ' : ''}numbers, got ${show(v)}`);
  }
  return [v[0], v[1], v[2]];
}

function positiveInt(v: unknown, field: string, path: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new DataError(path, `${field}: expected a positive integer, got ${show(v)}`);
  return v as number;
}

/** `architecture` is a string, or the trainer's object `{arch, ...options}`. */
function parseArchitecture(v: unknown, path: string): Architecture {
  const arch = isObject(v) ? v.arch : v;
  if (typeof arch !== 'string' || !(ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new DataError(path, `architecture: expected one of ${ARCHITECTURES.join(', ')} (or {"arch": ...}), got ${show(v)}`);
  }
  return arch as Architecture;
}

function parseCardClasses(v: unknown, path: string): ClassDef[] {
  if (!Array.isArray(v) || v.length === 0) throw new DataError(path, `classes: expected a non-empty array of {id, name}, got ${show(v)}`);
  const ids = new Set<number>();
  return v.map((c: unknown, i) => {
    if (!isObject(c)) throw new DataError(path, `classes[${i}]: expected {id, name}, got ${show(c)}`);
    if (!Number.isInteger(c.id) || (c.id as number) < 0 || (c.id as number) > 255) {
      throw new DataError(path, `classes[${i}].id: expected an integer 0-255, got ${show(c.id)}`);
    }
    if (ids.has(c.id as number)) throw new DataError(path, `classes[${i}].id: ${show(c.id)} is used twice`);
    ids.add(c.id as number);
    if (typeof c.name !== 'string' || c.name.trim() === '') throw new DataError(path, `classes[${i}].name: expected a non-empty string, got ${show(c.name)}`);
    const color = c.color === undefined ? [0, 0, 0] : c.color;
    if (!Array.isArray(color) || color.length !== 3 || !color.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
      throw new DataError(path, `classes[${i}].color: expected [r, g, b] with integers 0-255, got ${show(c.color)}`);
    }
    return { id: c.id as number, name: c.name, color: color as Rgb };
  });
}

function parseInput(v: unknown, path: string): InputSpec {
  if (!isObject(v)) throw new DataError(path, `input: expected an object, got ${show(v)}`);
  if (v.layout !== undefined && v.layout !== 'NCHW') throw new DataError(path, `input.layout: only "NCHW" is supported, got ${show(v.layout)}`);
  const order = v.order ?? 'RGB';
  if (order !== 'RGB' && order !== 'BGR') throw new DataError(path, `input.order: expected "RGB" or "BGR", got ${show(order)}`);
  const scale = v.scale ?? 1 / 255;
  if (typeof scale !== 'number' || !(scale > 0)) throw new DataError(path, `input.scale: expected a positive number, got ${show(scale)}`);
  if (v.name !== undefined && typeof v.name !== 'string') throw new DataError(path, `input.name: expected a string, got ${show(v.name)}`);
  let size: [number, number] | undefined;
  if (v.dynamic === false || v.size !== undefined) {
    if (!Array.isArray(v.size) || v.size.length !== 2) throw new DataError(path, `input.size: a fixed-size model needs [height, width], got ${show(v.size)}`);
    size = [positiveInt(v.size[0], 'input.size[0]', path), positiveInt(v.size[1], 'input.size[1]', path)];
  }
  return {
    name: v.name as string | undefined,
    mean: triple(v.mean, 'input.mean', path, false),
    std: triple(v.std, 'input.std', path, true),
    scale,
    order,
    size,
    multipleOf: v.multipleOf === undefined ? 1 : positiveInt(v.multipleOf, 'input.multipleOf', path),
  };
}

function parseOutput(v: unknown, path: string): OutputSpec {
  if (!isObject(v)) throw new DataError(path, `output: expected an object, got ${show(v)}`);
  const kind = v.kind ?? 'logits';
  if (kind !== 'logits' && kind !== 'probabilities') throw new DataError(path, `output.kind: expected "logits" or "probabilities", got ${show(kind)}`);
  if (v.name !== undefined && typeof v.name !== 'string') throw new DataError(path, `output.name: expected a string, got ${show(v.name)}`);
  return { name: v.name as string | undefined, kind, stride: v.stride === undefined ? 1 : positiveInt(v.stride, 'output.stride', path) };
}

/** Parses and checks a card; every error is a DataError naming `path`. */
export function parseModelCard(text: string, path: string): ModelCard {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DataError(path, `not valid JSON (${errorMessage(error)})`);
  }
  if (!isObject(raw)) throw new DataError(path, `expected a JSON object, got ${show(raw)}`);
  if (typeof raw.name !== 'string' || raw.name.trim() === '' || /[/\\]/.test(raw.name)) {
    throw new DataError(path, `name: expected a non-empty string without slashes (it names the predictions folder), got ${show(raw.name)}`);
  }
  if (raw.sha256 !== undefined && (typeof raw.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(raw.sha256))) {
    throw new DataError(path, `sha256: expected 64 lowercase hex digits, got ${show(raw.sha256)}`);
  }
  return {
    name: raw.name,
    architecture: parseArchitecture(raw.architecture, path),
    classes: parseCardClasses(raw.classes, path),
    input: parseInput(raw.input, path),
    output: parseOutput(raw.output, path),
    sha256: raw.sha256 as string | undefined,
    ...(raw.architectureOptions === undefined ? {} : { architectureOptions: raw.architectureOptions }),
    training: raw.training,
    metrics: raw.metrics,
  };
}

/** The card as written by "Add Model…" (same shape the trainer writes). */
export function formatModelCard(card: ModelCard): string {
  const { size, ...input } = card.input;
  return JSON.stringify(
    {
      ...card,
      input: { ...input, layout: 'NCHW', dynamic: size === undefined, ...(size ? { size } : {}) },
    },
    null,
    2,
  ) + '\n';
}
