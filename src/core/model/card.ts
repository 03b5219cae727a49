/**
 * The model card `<name>.json` next to `<name>.onnx`: the contract between the trainer
 * (backend/seglab_trainer/export.py writes it) and the pre-labeler. Parsing checks every field
 * it uses and names the card file in each error (a ConfigError: the CLI exits 2); fields it
 * does not use (training, metrics, onnx) are kept as they are.
 */
import type { ClassDef, Rgb } from '../classes';
import { ConfigError, errorMessage } from '../errors';
import { INPUT_DTYPES, type InputDtype, type Layout } from './tensors';

/** A dataset's own models: `<root>/models/<name>.onnx` with its card `<name>.json`. */
export const MODELS_FOLDER = 'models';

export const ARCHITECTURES = ['deeplabv3', 'deeplabv3plus', 'unet', 'fcn', 'segformer', 'other'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** How an image meets a fixed-size input: scaled keeping its aspect ratio and padded, scaled to fill it, or cut into tiles of that size. */
export const RESIZE_MODES = ['letterbox', 'stretch', 'tiles'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];
export const OUTPUT_KINDS = ['logits', 'probabilities', 'sigmoid', 'multilabel', 'labels'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];
const LAYOUTS: readonly Layout[] = ['NCHW', 'NHWC'];

export interface InputSpec {
  name?: string;
  /** undefined: read from the model's input shape (NCHW when it does not tell). */
  layout?: Layout;
  /** undefined: the model's input type (float32 when it does not say). uint8 takes the pixel values as they are. */
  dtype?: InputDtype;
  mean: [number, number, number];
  std: [number, number, number];
  /** Pixel values are multiplied by this before normalising (1/255: 0-1 input). */
  scale: number;
  order: 'RGB' | 'BGR';
  /** [height, width] of a fixed-size model; undefined when height and width are dynamic. */
  size?: [number, number];
  /** Dynamic models need sides that are a multiple of this. */
  multipleOf: number;
  /** Fixed-size models only (dynamic ones pad, and tile large images). */
  resize: ResizeMode;
}

/**
 * `logits`/`probabilities`: one channel per class, argmax. `sigmoid`: one channel, the two
 * classes are below/above `threshold` (on the probability). `multilabel`: one independent sigmoid
 * per class; the most probable class above `threshold`, else the card's first class (background).
 * `labels`: the output holds class indices ([1,H,W] or [1,1,H,W], any numeric type).
 */
export interface OutputSpec {
  name?: string;
  kind: OutputKind;
  /** 1: full resolution; 4: a quarter of the input (SegFormer). */
  stride: number;
  /** undefined: the input's layout. */
  layout?: Layout;
  /** sigmoid and multilabel only: whether the graph ends in a Sigmoid ("applied": values are probabilities). */
  activation?: 'applied' | 'none';
  /** sigmoid and multilabel only: probability above which a pixel is the second class / a candidate class (default 0.5). */
  threshold?: number;
}

/** Model class id -> dataset class id, or null for "unlabeled"; "byName" maps classes of the same name. */
export type ClassMap = 'byName' | Record<number, number | null>;

export interface ModelCard {
  name: string;
  architecture: Architecture;
  /** The model's classes, one per output channel in channel order (sigmoid: below, above the threshold; multilabel: the background first). */
  classes: ClassDef[];
  /** Absent: every model class is the dataset class of the same id and name. */
  classMap?: ClassMap;
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
    throw new ConfigError(path, `${field}: expected three ${positive ? 'positive ' : ''}numbers, got ${show(v)}`);
  }
  return [v[0], v[1], v[2]];
}

function positiveInt(v: unknown, field: string, path: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new ConfigError(path, `${field}: expected a positive integer, got ${show(v)}`);
  return v as number;
}

/** `architecture` is a string, or the trainer's object `{arch, ...options}`. */
function parseArchitecture(v: unknown, path: string): Architecture {
  const arch = isObject(v) ? v.arch : v;
  if (typeof arch !== 'string' || !(ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new ConfigError(path, `architecture: expected one of ${ARCHITECTURES.join(', ')} (or {"arch": ...}), got ${show(v)}`);
  }
  return arch as Architecture;
}

function parseCardClasses(v: unknown, path: string): ClassDef[] {
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError(path, `classes: expected a non-empty array of {id, name}, got ${show(v)}`);
  const ids = new Set<number>();
  return v.map((c: unknown, i) => {
    if (!isObject(c)) throw new ConfigError(path, `classes[${i}]: expected {id, name}, got ${show(c)}`);
    if (!Number.isInteger(c.id) || (c.id as number) < 0 || (c.id as number) > 255) {
      throw new ConfigError(path, `classes[${i}].id: expected an integer 0-255, got ${show(c.id)}`);
    }
    if (ids.has(c.id as number)) throw new ConfigError(path, `classes[${i}].id: ${show(c.id)} is used twice`);
    ids.add(c.id as number);
    if (typeof c.name !== 'string' || c.name.trim() === '') throw new ConfigError(path, `classes[${i}].name: expected a non-empty string, got ${show(c.name)}`);
    const color = c.color === undefined ? [0, 0, 0] : c.color;
    if (!Array.isArray(color) || color.length !== 3 || !color.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
      throw new ConfigError(path, `classes[${i}].color: expected [r, g, b] with integers 0-255, got ${show(c.color)}`);
    }
    return { id: c.id as number, name: c.name, color: color as Rgb };
  });
}

function parseInput(v: unknown, path: string): InputSpec {
  if (!isObject(v)) throw new ConfigError(path, `input: expected an object, got ${show(v)}`);
  const layout = oneOf(v.layout, LAYOUTS, 'input.layout', path);
  const dtype = oneOf(v.dtype, INPUT_DTYPES, 'input.dtype', path);
  const order = v.order ?? 'RGB';
  if (order !== 'RGB' && order !== 'BGR') throw new ConfigError(path, `input.order: expected "RGB" or "BGR", got ${show(order)}`);
  const scale = v.scale ?? 1 / 255;
  if (typeof scale !== 'number' || !(scale > 0)) throw new ConfigError(path, `input.scale: expected a positive number, got ${show(scale)}`);
  if (v.name !== undefined && typeof v.name !== 'string') throw new ConfigError(path, `input.name: expected a string, got ${show(v.name)}`);
  let size: [number, number] | undefined;
  if (v.dynamic === false || v.size !== undefined) {
    if (!Array.isArray(v.size) || v.size.length !== 2) throw new ConfigError(path, `input.size: a fixed-size model needs [height, width], got ${show(v.size)}`);
    size = [positiveInt(v.size[0], 'input.size[0]', path), positiveInt(v.size[1], 'input.size[1]', path)];
  }
  const resize = oneOf(v.resize, RESIZE_MODES, 'input.resize', path) ?? 'letterbox';
  return {
    name: v.name as string | undefined,
    ...(layout ? { layout } : {}),
    ...(dtype ? { dtype } : {}),
    mean: triple(v.mean, 'input.mean', path, false),
    std: triple(v.std, 'input.std', path, true),
    scale,
    order,
    size,
    multipleOf: v.multipleOf === undefined ? 1 : positiveInt(v.multipleOf, 'input.multipleOf', path),
    resize,
  };
}

/** An optional string field that must be one of `values`. */
function oneOf<T extends string>(v: unknown, values: readonly T[], field: string, path: string): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !values.includes(v as T))
    throw new ConfigError(path, `${field}: expected ${values.map((x) => `"${x}"`).join(' or ')}, got ${show(v)}`);
  return v as T;
}

function parseOutput(v: unknown, path: string): OutputSpec {
  if (!isObject(v)) throw new ConfigError(path, `output: expected an object, got ${show(v)}`);
  const kind = oneOf(v.kind, OUTPUT_KINDS, 'output.kind', path) ?? 'logits';
  if (v.name !== undefined && typeof v.name !== 'string') throw new ConfigError(path, `output.name: expected a string, got ${show(v.name)}`);
  const out: OutputSpec = { name: v.name as string | undefined, kind, stride: v.stride === undefined ? 1 : positiveInt(v.stride, 'output.stride', path) };
  const layout = oneOf(v.layout, LAYOUTS, 'output.layout', path);
  if (layout) out.layout = layout;
  if (kind !== 'sigmoid' && kind !== 'multilabel') {
    for (const f of ['activation', 'threshold'] as const) {
      if (v[f] !== undefined) throw new ConfigError(path, `output.${f}: only a "sigmoid" or "multilabel" output has one (output.kind is ${show(kind)})`);
    }
    return out;
  }
  out.activation = oneOf(v.activation, ['applied', 'none'] as const, 'output.activation', path);
  if (!out.activation)
    throw new ConfigError(
      path,
      `output.activation: a ${show(kind)} output needs "applied" (the graph ends in a Sigmoid: values are probabilities) or "none" (values are logits)`,
    );
  const threshold = v.threshold ?? 0.5;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1))
    throw new ConfigError(path, `output.threshold: expected a probability between 0 and 1 (exclusive), got ${show(threshold)}`);
  out.threshold = threshold;
  return out;
}

function parseClassMap(v: unknown, classes: readonly ClassDef[], path: string): ClassMap | undefined {
  if (v === undefined || v === 'byName') return v;
  if (!isObject(v)) throw new ConfigError(path, `classMap: expected "byName" or {"<model class id>": <dataset class id> | null}, got ${show(v)}`);
  const map: Record<number, number | null> = {};
  for (const [key, to] of Object.entries(v)) {
    const id = Number(key);
    if (!classes.some((c) => String(c.id) === key))
      throw new ConfigError(path, `classMap["${key}"]: not a class id of the card's classes (${classes.map((c) => c.id).join(', ')})`);
    if (to !== null && !(Number.isInteger(to) && (to as number) >= 0 && (to as number) <= 255)) {
      throw new ConfigError(path, `classMap["${key}"]: expected a dataset class id (0-255) or null (unlabeled), got ${show(to)}`);
    }
    map[id] = to as number | null;
  }
  return map;
}

/** Parses and checks a card; every error is a ConfigError naming `path`. */
export function parseModelCard(text: string, path: string): ModelCard {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, `not valid JSON (${errorMessage(error)})`);
  }
  if (!isObject(raw)) throw new ConfigError(path, `expected a JSON object, got ${show(raw)}`);
  if (typeof raw.name !== 'string' || raw.name.trim() === '' || /[/\\]/.test(raw.name)) {
    throw new ConfigError(path, `name: expected a non-empty string without slashes (it names the predictions folder), got ${show(raw.name)}`);
  }
  if (raw.sha256 !== undefined && (typeof raw.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(raw.sha256))) {
    throw new ConfigError(path, `sha256: expected 64 lowercase hex digits, got ${show(raw.sha256)}`);
  }
  const classes = parseCardClasses(raw.classes, path);
  const output = parseOutput(raw.output, path);
  if (output.kind === 'sigmoid' && classes.length !== 2) {
    throw new ConfigError(path, `classes: a "sigmoid" output has two classes (below and above the threshold), the card lists ${classes.length}`);
  }
  if (output.kind === 'multilabel' && classes.length < 2) {
    throw new ConfigError(path, 'classes: a "multilabel" output needs the background and at least one more class (one per channel, the background first)');
  }
  const classMap = parseClassMap(raw.classMap, classes, path);
  return {
    name: raw.name,
    architecture: parseArchitecture(raw.architecture, path),
    classes,
    ...(classMap === undefined ? {} : { classMap }),
    input: parseInput(raw.input, path),
    output,
    sha256: raw.sha256 as string | undefined,
    ...(raw.architectureOptions === undefined ? {} : { architectureOptions: raw.architectureOptions }),
    training: raw.training,
    metrics: raw.metrics,
  };
}

/** The card as written by "Add Model…" (same shape the trainer writes). */
export function formatModelCard(card: ModelCard): string {
  const { size, ...input } = card.input;
  return (
    JSON.stringify(
      {
        ...card,
        input: { ...input, dynamic: size === undefined, ...(size ? { size } : {}) },
      },
      null,
      2,
    ) + '\n'
  );
}
