/**
 * One image through one model: pre-processing, inference on any InferenceBackend,
 * post-processing; sliding-window tiles with blended logits for images larger than `tileSize`
 * (dynamic models) or in tiles of the model's size (fixed-size models with `resize: "tiles"`).
 */
import type { InferenceBackend } from './backend';
import type { RgbImage } from './image';
import { classify, decodeOutput, resizeLogits } from './postprocess';
import { planInput, roundUp, toInputTensor, type InputPlan } from './preprocess';
import type { ResolvedModel } from './resolve';
import { encodeInput } from './tensors';
import { rampWeights, tileGrid, tileOrigins, type TileGrid } from './tiling';

export interface PredictOptions {
  /** Dynamic models: images with a side above this run as tiles of this size (default 1024). */
  tileSize?: number;
  /** Overlap of neighbouring tiles in pixels (default 128). */
  overlap?: number;
  /** Also return the logits at image resolution (tests; costs channels x pixels x 4 bytes). */
  keepLogits?: boolean;
  signal?: AbortSignal;
}

export interface Prediction {
  width: number;
  height: number;
  /** Class id per pixel. */
  labels: Uint8Array;
  /** Top class probability (sigmoid: distance from the threshold) per pixel, 0-255. */
  confidence: Uint8Array;
  /** CHW output values (`model.channels` of them) at image resolution, with `keepLogits`. */
  logits?: Float32Array;
  tiles: number;
}

export const DEFAULT_TILE_SIZE = 1024;
export const DEFAULT_OVERLAP = 128;

/** Runs one input; returns CHW logits resized to the plan's tensor size and cropped to its valid area. */
async function runPlan(backend: InferenceBackend, model: ResolvedModel, tensor: Float32Array, plan: InputPlan): Promise<Float32Array> {
  const { tensorHeight: th, tensorWidth: tw } = plan;
  const out = decodeOutput(await backend.run(encodeInput(tensor, th, tw, model.input.layout, model.input.dtype), model.output.name), model);
  return resizeLogits(out.data, model.channels, out.height, out.width, th, tw, plan.validHeight, plan.validWidth);
}

/** Tiles of the fixed model's size (overlap at most a quarter of a side), or the dynamic grid; undefined when one run covers the image. */
function tilesFor(model: ResolvedModel, width: number, height: number, tile: number, overlap: number): TileGrid | undefined {
  const { size, resize, multipleOf: m } = model.input;
  if (size) {
    if (resize !== 'tiles') return undefined;
    const o = Math.min(overlap, Math.floor(Math.min(...size) / 4));
    return { tileHeight: size[0], tileWidth: size[1], ys: tileOrigins(height, size[0], o, 1), xs: tileOrigins(width, size[1], o, 1), overlap: o };
  }
  if (roundUp(width, m) <= roundUp(tile, m) && roundUp(height, m) <= roundUp(tile, m)) return undefined;
  return tileGrid(width, height, tile, overlap, m);
}

export async function predict(image: RgbImage, model: ResolvedModel, backend: InferenceBackend, options: PredictOptions = {}): Promise<Prediction> {
  const { width, height } = image;
  const grid = tilesFor(model, width, height, options.tileSize ?? DEFAULT_TILE_SIZE, options.overlap ?? DEFAULT_OVERLAP);
  if (grid) return predictTiled(image, model, backend, grid, options);
  options.signal?.throwIfAborted();
  const plan = planInput(width, height, model.input);
  let logits = await runPlan(backend, model, toInputTensor(image, model.input, plan), plan);
  if (plan.validHeight !== height || plan.validWidth !== width) {
    logits = resizeLogits(logits, model.channels, plan.validHeight, plan.validWidth, height, width);
  }
  const labels = new Uint8Array(width * height);
  const confidence = new Uint8Array(width * height);
  classify(logits, width * height, model, labels, confidence);
  return { width, height, labels, confidence, logits: options.keepLogits ? logits : undefined, tiles: 1 };
}

/**
 * Tiles are run row by row; the blended logits of one row of tiles live in a band buffer
 * (channels x tile height x padded width), and the rows no later tile touches are finished
 * (argmax) before the band moves down, so memory stays bounded for very large images.
 */
async function predictTiled(image: RgbImage, model: ResolvedModel, backend: InferenceBackend, grid: TileGrid, options: PredictOptions): Promise<Prediction> {
  const { width, height } = image;
  const channels = model.channels;
  const { tileHeight: th, tileWidth: tw, ys, xs, overlap } = grid;
  const pw = roundUp(width, model.input.multipleOf);
  const band = new Float32Array(channels * th * pw);
  const weight = new Float32Array(th * pw);
  const wy = rampWeights(th, overlap);
  const wx = rampWeights(tw, overlap);
  const labels = new Uint8Array(width * height);
  const confidence = new Uint8Array(width * height);
  const logits = options.keepLogits ? new Float32Array(channels * width * height) : undefined;
  for (let r = 0; r < ys.length; r++) {
    const y0 = ys[r];
    for (const x0 of xs) {
      options.signal?.throwIfAborted();
      const vh = Math.min(th, height - y0);
      const vw = Math.min(tw, width - x0);
      const plan = { tensorHeight: th, tensorWidth: tw, validHeight: vh, validWidth: vw };
      const tensor = toInputTensor(image, model.input, plan, { x: x0, y: y0, width: vw, height: vh });
      const out = await runPlan(backend, model, tensor, { ...plan, validHeight: th, validWidth: tw });
      for (let y = 0; y < vh; y++) {
        for (let x = 0; x < vw; x++) {
          const w = wy[y] * wx[x];
          const b = y * pw + x0 + x;
          weight[b] += w;
          for (let c = 0; c < channels; c++) band[c * th * pw + b] += out[(c * th + y) * tw + x] * w;
        }
      }
    }
    // Rows [y0, next) are final: no later tile reaches above the next row's origin.
    const next = r + 1 < ys.length ? ys[r + 1] : y0 + th;
    const rows = Math.min(next, height) - y0;
    if (rows > 0) finishRows(band, weight, channels, th, pw, width, rows, y0, model, labels, confidence, logits, height);
    const shift = next - y0;
    for (let c = 0; c < channels; c++)
      band.copyWithin(c * th * pw, (c * th + shift) * pw, (c + 1) * th * pw).fill(0, (c * th + th - shift) * pw, (c + 1) * th * pw);
    weight.copyWithin(0, shift * pw).fill(0, (th - shift) * pw);
  }
  return { width, height, labels, confidence, logits, tiles: ys.length * xs.length };
}

function finishRows(
  band: Float32Array,
  weight: Float32Array,
  channels: number,
  th: number,
  pw: number,
  width: number,
  rows: number,
  y0: number,
  model: ResolvedModel,
  labels: Uint8Array,
  confidence: Uint8Array,
  logits: Float32Array | undefined,
  height: number,
): void {
  const n = rows * width;
  const blended = new Float32Array(channels * n);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < width; x++) {
      const b = y * pw + x;
      const w = weight[b];
      for (let c = 0; c < channels; c++) blended[c * n + y * width + x] = band[c * th * pw + b] / w;
    }
  }
  classify(blended, n, model, labels, confidence, y0 * width);
  if (logits) for (let c = 0; c < channels; c++) logits.set(blended.subarray(c * n, (c + 1) * n), c * width * height + y0 * width);
}
