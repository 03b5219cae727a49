/**
 * The mask editor's side of "Pre-label Image" on WebGPU: it tells the host whether WebGPU gives
 * an adapter (Capabilities), and answers RunModel with the model's prediction of the image as
 * drawn (ModelResult). The host applies the result; without WebGPU it runs the model itself
 * (native ONNX Runtime beats single-threaded WASM in a webview), so the engine here is WebGPU only.
 */
import type { ClassDef } from '../../src/core/classes';
import type { RgbaImage } from '../../src/core/editing/fill';
import type { RgbImage } from '../../src/core/model/image';
import { MessageType, toArrayBuffer, type FromWebviewMessage, type RunModelMessage } from '../../src/core/protocol';
import { WebEngine, webGpuAdapter } from '../prelabel/engine';
import { runModel } from '../prelabel/prelabelImage';
import { errorMessage } from '../../src/core/errors';

type Post = (message: FromWebviewMessage) => void;

/** dist/ort/ beside this bundle (dist/webview/maskEditor.js), under the same webview resource origin. */
const WASM_BASE = new URL('../ort/', import.meta.url).href;

export async function reportCapabilities(post: Post): Promise<void> {
  const adapter = await webGpuAdapter();
  post({
    type: MessageType.Capabilities,
    webgpu: adapter !== undefined,
    ...(adapter?.name ? { adapter: adapter.name } : {}),
    ...(adapter?.fallback ? { fallbackAdapter: true } : {}),
  });
}

/** A model file the host named by its webview URI (Pre-label Image's model, Smart Select's encoder). */
export async function fetchModel(uri: string): Promise<Uint8Array> {
  const response = await fetch(uri);
  if (!response.ok) throw new Error(`cannot load the model (${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

export class WebPrelabeler {
  private engine?: WebEngine;
  private readonly running = new Map<number, AbortController>();

  constructor(
    /** The editor's pixels of the image as drawn (Editor.imageRgba). */
    private readonly rgba: () => RgbaImage,
    private readonly classes: readonly ClassDef[],
    private readonly ignoreIndex: number,
    private readonly post: Post,
  ) {}

  async run(m: RunModelMessage): Promise<void> {
    const controller = new AbortController();
    this.running.set(m.requestId, controller);
    try {
      this.engine ??= new WebEngine({ wasmBase: WASM_BASE, providers: ['webgpu'] });
      if ((await this.engine.chosenProvider()) !== 'webgpu') throw new Error('WebGPU gives no adapter');
      const p = await runModel({
        engine: this.engine,
        model: {
          path: m.modelName,
          sha256: m.sha256,
          bytes: m.modelBytes ? new Uint8Array(m.modelBytes) : () => fetchModel(m.modelUri!),
          card: m.card,
          cardPath: m.cardPath,
        },
        image: this.image(),
        classes: this.classes,
        ignoreIndex: this.ignoreIndex,
        signal: controller.signal,
      });
      if (controller.signal.aborted) return;
      const { width, height, provider, milliseconds, defaults } = p;
      this.post({
        type: MessageType.ModelResult,
        requestId: m.requestId,
        width,
        height,
        labels: toArrayBuffer(p.labels),
        confidence: toArrayBuffer(p.confidence),
        provider,
        milliseconds,
        defaults,
      });
    } catch (error) {
      if (!controller.signal.aborted) this.post({ type: MessageType.ModelResult, requestId: m.requestId, error: errorMessage(error) });
    } finally {
      this.running.delete(m.requestId);
    }
  }

  /** The editor's RGBA pixels as an RgbImage (ImageData's fields are getters: no spreading). */
  private image(): RgbImage {
    const { width, height, data } = this.rgba();
    return { width, height, channels: 4, data };
  }

  /** The host stopped waiting: skip what is left of the run and send nothing. */
  cancel(requestId: number): void {
    this.running.get(requestId)?.abort();
  }
}
