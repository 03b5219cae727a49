/**
 * The card of a promptable (Smart Select) model: `kind: "promptable"`, family "sam" — an image
 * encoder run once per image and a prompt decoder run per click, in SAM's ONNX export format.
 * The card names the two files (relative to the card), how the encoder wants its image, and
 * which tensor names play SAM's roles, so renamed exports are described rather than special-cased.
 * Family "clicks" is SegLab's own click model (the trainer's `--task interactive`): one ONNX file
 * run per click on a zoom-in crop, described in clicks.ts. Parsing checks every field and names
 * the card in each error.
 */
import { ConfigError, errorMessage } from '../../errors';

export const PROMPTABLE_KIND = 'promptable';
export const FAMILIES = ['sam', 'clicks'] as const;
export type Family = (typeof FAMILIES)[number];

/** SAM's pixel normalisation, on 0-255 RGB values. */
export const SAM_MEAN: [number, number, number] = [123.675, 116.28, 103.53];
export const SAM_STD: [number, number, number] = [58.395, 57.12, 57.375];
/** SAM's frame: the longest side resized to this, padded bottom-right to a square. */
export const SAM_FRAME = 1024;

export interface EncoderInputSpec {
  name: string;
  /** NCHW: [1, 3, size, size]; HWC: [size, size, 3]. */
  layout: 'NCHW' | 'HWC';
  dtype: 'float32' | 'uint8';
  /** Side of the square frame: the longest image side is resized to it, the rest padded bottom-right. */
  size: number;
  mean: [number, number, number];
  std: [number, number, number];
}

/** Decoder tensor names for SAM's roles. */
export interface DecoderNames {
  inputs: { pointCoords: string; pointLabels: string; maskInput: string; hasMaskInput: string; origImSize: string };
  outputs: { masks: string; scores: string; lowResMasks: string };
}

export interface SamCard {
  kind: typeof PROMPTABLE_KIND;
  family: 'sam';
  name: string;
  encoder: { file: string; sha256?: string; input: EncoderInputSpec };
  decoder: { file: string; sha256?: string } & DecoderNames;
  /** Decoder input name -> encoder output name: what the encoder hands the decoder. */
  embeddings: Record<string, string>;
}

/** The click model's input channels, in order: the normalised RGB crop, the click maps, the previous mask. */
export const CLICK_CHANNELS = ['red', 'green', 'blue', 'positive', 'negative', 'previous'] as const;

export interface ClicksCard {
  kind: typeof PROMPTABLE_KIND;
  family: 'clicks';
  name: string;
  model: { file: string; sha256?: string };
  /** One NCHW float32 input of CLICK_CHANNELS; RGB normalised on 0-255 values. */
  input: { name: string; mean: [number, number, number]; std: [number, number, number] };
  /**
   * One logit map at the crop's size; a pixel is selected where it exceeds the threshold. With
   * respectClicks, clicked pixels take their clicks' labels and only regions holding a positive
   * click are kept (clicks.ts); cards written before it lack the field and keep the model's answer.
   */
  output: { name: string; threshold: number; respectClicks: boolean };
  /** Clicks are drawn as disks of this radius in crop pixels. */
  clicks: { encoding: 'disk'; radius: number };
  /** The zoom-in box: max(expand x the clicks' and previous mask's extent, minSide) image pixels, resized to size. */
  crop: { size: number; expand: number; minSide: number };
}

export type PromptableCard = SamCard | ClicksCard;

export const SAM_DECODER_NAMES: DecoderNames = {
  inputs: { pointCoords: 'point_coords', pointLabels: 'point_labels', maskInput: 'mask_input', hasMaskInput: 'has_mask_input', origImSize: 'orig_im_size' },
  outputs: { masks: 'masks', scores: 'iou_predictions', lowResMasks: 'low_res_masks' },
};

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether parsed card JSON is a promptable card (and not an ordinary pre-labeling one). */
export const isPromptableCardJson = (raw: unknown): boolean => isObject(raw) && raw.kind === PROMPTABLE_KIND;

function text(v: unknown, field: string, path: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(path, `${field}: expected a non-empty string, got ${show(v)}`);
  return v;
}

function triple(v: unknown, field: string, path: string, positive: boolean): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) {
    throw new ConfigError(path, `${field}: expected three ${positive ? 'positive ' : ''}numbers, got ${show(v)}`);
  }
  return [v[0], v[1], v[2]];
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string, path: string): T {
  if (!(allowed as readonly unknown[]).includes(v))
    throw new ConfigError(path, `${field}: expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(v)}`);
  return v as T;
}

function sha(v: unknown, field: string, path: string): string | undefined {
  if (v !== undefined && (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)))
    throw new ConfigError(path, `${field}: expected 64 lowercase hex digits, got ${show(v)}`);
  return v;
}

/** A relative file name next to the card (no folders: the card travels with its two files). */
function fileName(v: unknown, field: string, path: string): string {
  const name = text(v, field, path);
  if (/[/\\]/.test(name)) throw new ConfigError(path, `${field}: expected a file name next to the card, without folders, got ${show(v)}`);
  return name;
}

function names<K extends string>(v: unknown, defaults: Record<K, string>, field: string, path: string): Record<K, string> {
  if (v === undefined) return { ...defaults };
  if (!isObject(v)) throw new ConfigError(path, `${field}: expected an object, got ${show(v)}`);
  for (const key of Object.keys(v))
    if (!(key in defaults)) throw new ConfigError(path, `${field}.${key}: unknown role (expected ${Object.keys(defaults).join(', ')})`);
  const out = { ...defaults };
  for (const key of Object.keys(defaults) as K[]) if (v[key] !== undefined) out[key] = text(v[key], `${field}.${key}`, path);
  return out;
}

function parseEncoderInput(v: unknown, path: string): EncoderInputSpec {
  if (!isObject(v)) throw new ConfigError(path, `encoder.input: expected an object, got ${show(v)}`);
  const size = v.size ?? SAM_FRAME;
  if (!Number.isInteger(size) || (size as number) < 16 || (size as number) % 4 !== 0) {
    throw new ConfigError(path, `encoder.input.size: expected a multiple of 4 (SAM: 1024), got ${show(v.size)}`);
  }
  const dtype = oneOf(v.dtype ?? 'float32', ['float32', 'uint8'] as const, 'encoder.input.dtype', path);
  const mean = v.mean === undefined ? (dtype === 'uint8' ? [0, 0, 0] : SAM_MEAN) : triple(v.mean, 'encoder.input.mean', path, false);
  const std = v.std === undefined ? (dtype === 'uint8' ? [1, 1, 1] : SAM_STD) : triple(v.std, 'encoder.input.std', path, true);
  if (dtype === 'uint8' && (mean.some((m) => m !== 0) || std.some((s) => s !== 1))) {
    throw new ConfigError(
      path,
      `encoder.input: a uint8 input takes the 0-255 pixels as they are (the model normalises them), so mean must be [0, 0, 0] and std [1, 1, 1], got ${show(mean)} / ${show(std)}`,
    );
  }
  return {
    name: text(v.name, 'encoder.input.name', path),
    layout: oneOf(v.layout ?? 'NCHW', ['NCHW', 'HWC'] as const, 'encoder.input.layout', path),
    dtype,
    size: size as number,
    mean: [mean[0], mean[1], mean[2]],
    std: [std[0], std[1], std[2]],
  };
}

function parseEmbeddings(v: unknown, path: string): Record<string, string> {
  if (!isObject(v) || Object.keys(v).length === 0)
    throw new ConfigError(path, `embeddings: expected {"<decoder input>": "<encoder output>", ...}, got ${show(v)}`);
  for (const [key, value] of Object.entries(v)) text(value, `embeddings.${key}`, path);
  return { ...(v as Record<string, string>) };
}

function positive(v: unknown, field: string, path: string, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
    throw new ConfigError(path, `${field}: expected a positive ${integer ? 'integer' : 'number'}, got ${show(v)}`);
  return v;
}

function object(v: unknown, field: string, path: string): Record<string, unknown> {
  if (!isObject(v)) throw new ConfigError(path, `${field}: expected an object, got ${show(v)}`);
  return v;
}

function parseClicksCard(raw: Record<string, unknown>, name: string, path: string): ClicksCard {
  const model = object(raw.model, 'model', path);
  const input = object(raw.input, 'input', path);
  const output = object(raw.output, 'output', path);
  const clicks = object(raw.clicks, 'clicks', path);
  const crop = object(raw.crop, 'crop', path);
  const channels = input.channels ?? CLICK_CHANNELS;
  if (show(channels) !== show(CLICK_CHANNELS)) throw new ConfigError(path, `input.channels: expected ${show(CLICK_CHANNELS)}, got ${show(channels)}`);
  const threshold = output.threshold ?? 0;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw new ConfigError(path, `output.threshold: expected a number, got ${show(threshold)}`);
  const respectClicks = output.respectClicks ?? false;
  if (typeof respectClicks !== 'boolean') throw new ConfigError(path, `output.respectClicks: expected true or false, got ${show(respectClicks)}`);
  const size = positive(crop.size, 'crop.size', path, true);
  const expand = positive(crop.expand, 'crop.expand', path);
  if (expand < 1) throw new ConfigError(path, `crop.expand: expected at least 1, got ${show(expand)}`);
  return {
    kind: PROMPTABLE_KIND,
    family: 'clicks',
    name,
    model: { file: fileName(model.file, 'model.file', path), sha256: sha(model.sha256, 'model.sha256', path) },
    input: { name: text(input.name, 'input.name', path), mean: triple(input.mean, 'input.mean', path, false), std: triple(input.std, 'input.std', path, true) },
    output: { name: text(output.name, 'output.name', path), threshold, respectClicks },
    clicks: { encoding: oneOf(clicks.encoding ?? 'disk', ['disk'] as const, 'clicks.encoding', path), radius: positive(clicks.radius, 'clicks.radius', path) },
    crop: { size, expand, minSide: positive(crop.minSide, 'crop.minSide', path, true) },
  };
}

/** Parses and checks a promptable card; every error is a ConfigError naming `path`. */
export function parsePromptableCard(source: string, path: string): PromptableCard {
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (error) {
    throw new ConfigError(path, `not valid JSON (${errorMessage(error)})`);
  }
  if (!isObject(raw)) throw new ConfigError(path, `expected a JSON object, got ${show(raw)}`);
  if (raw.kind !== PROMPTABLE_KIND) throw new ConfigError(path, `kind: expected "${PROMPTABLE_KIND}" (a Smart Select model card), got ${show(raw.kind)}`);
  const family = oneOf(raw.family, FAMILIES, 'family', path);
  const name = text(raw.name, 'name', path);
  if (family === 'clicks') return parseClicksCard(raw, name, path);
  if (!isObject(raw.encoder)) throw new ConfigError(path, `encoder: expected {file, input}, got ${show(raw.encoder)}`);
  if (!isObject(raw.decoder)) throw new ConfigError(path, `decoder: expected {file, inputs?, outputs?}, got ${show(raw.decoder)}`);
  const { encoder, decoder } = raw;
  return {
    kind: PROMPTABLE_KIND,
    family,
    name,
    encoder: {
      file: fileName(encoder.file, 'encoder.file', path),
      sha256: sha(encoder.sha256, 'encoder.sha256', path),
      input: parseEncoderInput(encoder.input, path),
    },
    decoder: {
      file: fileName(decoder.file, 'decoder.file', path),
      sha256: sha(decoder.sha256, 'decoder.sha256', path),
      inputs: names(decoder.inputs, SAM_DECODER_NAMES.inputs, 'decoder.inputs', path),
      outputs: names(decoder.outputs, SAM_DECODER_NAMES.outputs, 'decoder.outputs', path),
    },
    embeddings: parseEmbeddings(raw.embeddings ?? { image_embeddings: 'image_embeddings' }, path),
  };
}

export function formatPromptableCard(card: PromptableCard): string {
  return JSON.stringify(card, null, 2).replace(/\[\n\s*(-?[\d.]+),\n\s*(-?[\d.]+),\n\s*(-?[\d.]+)\n\s*\]/g, '[$1, $2, $3]') + '\n';
}
