/**
 * Runs `seglab click` requests: the encoder once per image (embeddings kept in memory, by path
 * and modification time), the decoder per request, the best candidate written as an 8-bit PNG
 * of 0 and 1. The low-resolution logits of each written mask are kept, so a later request whose
 * `previous` is that file refines it exactly as SamPredictor does; another mask file is converted.
 * With an embedding cache, embeddings also persist on disk, keyed by encoder and image sha256.
 */
import { DataError } from '../core/errors';
import type { FileSystem } from '../core/fileSystem';
import { decodeMask, encodeMask } from '../core/mask/codec';
import { sha256Hex } from '../core/hash';
import { decodeImage } from '../core/model/image';
import { embeddingKey, type EmbeddingCache } from '../core/model/promptable/embeddingCache';
import type { PromptableModel } from '../core/model/promptable/load';
import { decodePrompt, encodeImage, previousFromMask } from '../core/model/promptable/predictor';
import type { Embeddings, PreviousMask } from '../core/model/promptable/selection';
import type { ClickRequest } from './clickRequest';

export type EmbeddingSource = 'encoder' | 'memory' | 'disk';

export interface ClickAnswer {
  out: string;
  score: number;
  ms: number;
  /** Encoder time of this request (0 when its embeddings were in memory) and decoder time. */
  encodeMs: number;
  decodeMs: number;
  /** Where the image's embeddings came from. */
  embeddings: EmbeddingSource;
  /** Every candidate's score, best first (the written mask is the first). */
  scores: number[];
}

const MASK_CLASSES = [
  { id: 0, name: 'background', color: [0, 0, 0] as [number, number, number] },
  { id: 1, name: 'selected', color: [255, 255, 255] as [number, number, number] },
];
/** Images whose embeddings stay in memory (a 1024 SAM embedding is 4 MB). */
const KEEP_IMAGES = 8;
/** Written masks whose low-resolution logits stay in memory (256 KB each). */
const KEEP_MASKS = 256;

function remember<V>(map: Map<string, V>, key: string, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value as string);
}

export class ClickRunner {
  private readonly images = new Map<string, Embeddings>();
  private readonly lowRes = new Map<string, PreviousMask>();

  constructor(
    private readonly model: PromptableModel,
    private readonly fs: FileSystem,
    private readonly cache?: EmbeddingCache,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async click(request: ClickRequest, source: string): Promise<ClickAnswer> {
    const start = this.now();
    const { embeddings, encodeMs, source: embeddingSource } = await this.embeddingsOf(request.image);
    const previous = request.previous === undefined ? undefined : await this.previousOf(request.previous, embeddings);
    const t = this.now();
    const { card, decoder } = this.model;
    const selection = await decodePrompt(card, decoder, embeddings, request.prompt, previous, source);
    const decodeMs = this.now() - t;
    const best = selection.candidates[0];
    const png = encodeMask({ width: selection.width, height: selection.height, data: best.mask }, MASK_CLASSES, 255);
    await this.fs.writeFileAtomic(request.out, png);
    remember(this.lowRes, request.out, best.lowRes, KEEP_MASKS);
    return {
      out: request.out,
      score: best.score,
      ms: this.now() - start,
      encodeMs,
      decodeMs,
      embeddings: embeddingSource,
      scores: selection.candidates.map((c) => c.score),
    };
  }

  private async embeddingsOf(path: string): Promise<{ embeddings: Embeddings; encodeMs: number; source: EmbeddingSource }> {
    const stat = await this.fs.stat(path);
    if (stat?.type !== 'file') throw new DataError(path, 'no such image');
    const key = `${stat.mtime}:${stat.size}:${path}`;
    const kept = this.images.get(key);
    if (kept) {
      remember(this.images, key, kept, KEEP_IMAGES);
      return { embeddings: kept, encodeMs: 0, source: 'memory' };
    }
    const bytes = await this.fs.readFile(path);
    const { card } = this.model;
    // A click model has no encoder: its "embeddings" are the normalised image, not worth a disk cache.
    const diskKey = this.cache && card.family === 'sam' ? embeddingKey(this.model.encoderSha256, card.encoder.input, await sha256Hex(bytes)) : undefined;
    const stored = diskKey === undefined ? undefined : await this.cache?.get(diskKey);
    if (stored) {
      remember(this.images, key, stored, KEEP_IMAGES);
      return { embeddings: stored, encodeMs: 0, source: 'disk' };
    }
    const image = await decodeImage(bytes, path);
    const t = this.now();
    const embeddings = await encodeImage(this.model.card, this.model.encoder, image);
    const encodeMs = this.now() - t;
    remember(this.images, key, embeddings, KEEP_IMAGES);
    if (diskKey !== undefined) await this.cache?.put(diskKey, embeddings);
    return { embeddings, encodeMs, source: 'encoder' };
  }

  private async previousOf(path: string, embeddings: Embeddings): Promise<PreviousMask> {
    const kept = this.lowRes.get(path);
    if (kept) return kept;
    if ((await this.fs.stat(path))?.type !== 'file') throw new DataError(path, 'no such mask (previous)');
    const mask = decodeMask(await this.fs.readFile(path), { path, classes: MASK_CLASSES });
    const { width, height } = embeddings;
    if (mask.width !== width || mask.height !== height)
      throw new DataError(path, `the previous mask is ${mask.width}x${mask.height}, the image ${width}x${height}`);
    return previousFromMask(this.model.card, mask.data, width, height);
  }
}
