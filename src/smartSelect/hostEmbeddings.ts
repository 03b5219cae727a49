/**
 * Smart Select's models in the extension host: the active promptable model loaded on native ONNX
 * Runtime (one at a time: a SAM encoder is hundreds of MB), its decoder's bytes for the webview,
 * and image embeddings from its encoder (or from the encoder's WebGPU run in a mask editor's
 * webview, checked by webviewEncoder.ts), kept in memory for the last few images and on disk in
 * the extension's global storage (core EmbeddingCache: keyed by encoder and image sha256, least
 * recently used entries removed past `seglab.smartSelect.embeddingCacheMB`).
 */
import * as vscode from 'vscode';
import { sha256Hex } from '../core/hash';
import { decodeImage } from '../core/model/image';
import { EmbeddingCache, embeddingKey } from '../core/model/promptable/embeddingCache';
import { releasePromptableModel, type PromptableModel } from '../core/model/promptable/load';
import { encodeImage } from '../core/model/promptable/predictor';
import type { Embeddings } from '../core/model/promptable/selection';
import { folderEmbeddingSink, folderEmbeddingStore } from '../node/embeddingStore';
import { loadNativePromptable } from '../node/promptableSessions';
import type { PromptableEntry } from '../prelabel/modelRegistry';
import type { EmbeddingSink } from '../training/remoteEmbeddings';

/** Images whose embeddings stay in memory (4 MB each at SAM's size). */
const KEEP_IMAGES = 4;
const DEFAULT_CACHE_MB = 2048;

export type EmbeddingSource = 'encoder' | 'memory' | 'disk';

/** Bytes, from `seglab.smartSelect.embeddingCacheMB`. */
function cacheLimit(): number {
  return Math.max(0, vscode.workspace.getConfiguration('seglab').get<number>('smartSelect.embeddingCacheMB', DEFAULT_CACHE_MB)) * 1024 * 1024;
}

/** What the caches hold for an image: its key, the file's bytes, and its embeddings when cached. */
export interface Lookup {
  key: string;
  bytes: Uint8Array;
  cached?: { embeddings: Embeddings; source: 'memory' | 'disk'; milliseconds: 0 };
}

export class HostEmbeddings implements vscode.Disposable {
  private loaded?: { key: string; value: Promise<PromptableModel> };
  private readonly memory = new Map<string, Embeddings>();

  constructor(
    /** The extension's global storage; embeddings go to its embeddings/ folder. */
    private readonly storage: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Where the on-disk cache keeps its entries (<key>.emb). */
  get cacheFolder(): vscode.Uri {
    return vscode.Uri.joinPath(this.storage, 'embeddings');
  }

  /** The on-disk cache with the current size limit. */
  cache(): EmbeddingCache {
    return new EmbeddingCache(folderEmbeddingStore(this.cacheFolder.fsPath), cacheLimit());
  }

  /** The disk cache alone, for embeddings computed ahead of labeling (memory keeps the images being labeled). */
  diskSink(): Promise<EmbeddingSink> {
    return folderEmbeddingSink(this.cacheFolder.fsPath, cacheLimit());
  }

  /** The entry's model, loaded once while its card and files stay the same. */
  async load(entry: PromptableEntry): Promise<PromptableModel> {
    const folder = vscode.Uri.joinPath(entry.uri, '..');
    const { card } = entry;
    const files = card.family === 'clicks' ? [card.model.file] : [card.encoder.file, card.decoder.file];
    const times = await Promise.all(
      [entry.uri, ...files.map((f) => vscode.Uri.joinPath(folder, f))].map((u) =>
        vscode.workspace.fs.stat(u).then(
          (s) => s.mtime,
          () => 0,
        ),
      ),
    );
    const key = `${entry.uri.toString()} ${times.join(' ')}`;
    if (this.loaded?.key !== key) {
      void this.release();
      const value = loadNativePromptable(entry.uri.fsPath).then((model) => {
        this.log.info(`Smart Select: ${model.card.name} loaded from ${entry.uri.fsPath}${model.encoder ? ' (its encoder on native ONNX Runtime)' : ''}`);
        return model;
      });
      value.catch(() => this.loaded?.value === value && (this.loaded = undefined));
      this.loaded = { key, value };
    }
    return this.loaded.value;
  }

  /** The image's embeddings from a model with an image encoder: from memory, the disk cache, or the encoder (then cached). */
  async embeddings(model: PromptableModel, image: vscode.Uri): Promise<{ embeddings: Embeddings; source: EmbeddingSource; milliseconds: number }> {
    const found = await this.find(model, image);
    return found.cached ?? { ...(await this.encode(model, image, found)), source: 'encoder' };
  }

  /** The image's cache key and bytes, and its embeddings when memory or the disk cache holds them. */
  async find(model: PromptableModel, image: vscode.Uri): Promise<Lookup> {
    const { card } = model;
    if (card.family !== 'sam') throw new Error(`${model.cardPath}: a "${card.family}" model has no image encoder`);
    const bytes = await vscode.workspace.fs.readFile(image);
    const key = embeddingKey(model.encoderSha256, card.encoder.input, await sha256Hex(bytes));
    const kept = this.memory.get(key);
    if (kept) return { key, bytes, cached: { embeddings: this.remember(key, kept), source: 'memory', milliseconds: 0 } };
    const stored = await this.cache().get(key);
    if (stored) return { key, bytes, cached: { embeddings: this.remember(key, stored), source: 'disk', milliseconds: 0 } };
    return { key, bytes };
  }

  /** Runs the encoder here on a cache miss of `find` and caches the result. */
  async encode(model: PromptableModel, image: vscode.Uri, found: Lookup): Promise<{ embeddings: Embeddings; milliseconds: number }> {
    const start = performance.now();
    const embeddings = await encodeImage(model.card, model.encoder, await decodeImage(found.bytes, image.fsPath));
    const milliseconds = performance.now() - start;
    this.log.info(`Smart Select: ${image.fsPath} encoded by ${model.card.name} in ${Math.round(milliseconds)} ms`);
    return { embeddings: await this.store(found.key, embeddings), milliseconds };
  }

  /** Caches embeddings computed here or elsewhere (the webview's WebGPU run, checked by the caller) under `key`. */
  async store(key: string, embeddings: Embeddings): Promise<Embeddings> {
    await this.cache().put(key, embeddings);
    return this.remember(key, embeddings);
  }

  private remember(key: string, embeddings: Embeddings): Embeddings {
    this.memory.delete(key);
    this.memory.set(key, embeddings);
    if (this.memory.size > KEEP_IMAGES) this.memory.delete(this.memory.keys().next().value as string);
    return embeddings;
  }

  private async release(): Promise<void> {
    const loaded = this.loaded?.value;
    this.loaded = undefined;
    this.memory.clear();
    const model = await loaded?.catch(() => undefined);
    if (model) await releasePromptableModel(model);
  }

  dispose(): void {
    void this.release();
  }
}
