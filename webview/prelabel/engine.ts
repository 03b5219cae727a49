/**
 * The webview's inference engine: onnxruntime-web's WebGPU build, with the WebGPU execution
 * provider when `navigator.gpu` gives an adapter and its WASM provider otherwise. Sessions are
 * cached per model hash. Only the .wasm is fetched, from `wasmBase` (an `asWebviewUri` URL in VS
 * Code; CSP needs 'wasm-unsafe-eval'): the bundle embeds its Emscripten glue, which it uses when
 * `wasmPaths` names the .wasm alone, so no script is loaded from outside the nonce'd bundle. It
 * runs on the page's main thread: no proxy worker, since workers in webviews could not fetch
 * webview resources in VS Code 1.119.
 * Not an entry point (no main.ts): the mask editor imports it.
 */
import * as ort from 'onnxruntime-web/webgpu';
import ortWebFiles from './ortWebFiles.json';
import { ortBackend, type InferenceBackend, type OrtSessionLike, type OrtTensorConstructor } from '../../src/core/model/backend';
import { ortMultiSession, type MultiSession, type OrtAnyTensorConstructor } from '../../src/core/model/promptable/session';

export type WebProvider = 'webgpu' | 'wasm';

export interface WebEngineOptions {
  /** URL of the folder holding ORT_WEB_FILES, ending in '/'. */
  wasmBase: string;
  /** Default ['webgpu', 'wasm']: the first one available is used. */
  providers?: WebProvider[];
}

/**
 * The only ONNX Runtime files the webview loads (the package ships ~139 MB): scripts/build.mjs
 * copies these to dist/ort/, the browser test checks that nothing else is requested.
 */
export const ORT_WEB_FILES: readonly string[] = ortWebFiles;
const ORT_WASM = ORT_WEB_FILES.find((f) => f.endsWith('.wasm'))!;

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  /** Where browsers before GPUAdapterInfo.isFallbackAdapter put it. */
  isFallbackAdapter?: boolean;
}

/**
 * The WebGPU adapter: its name ("" when the browser does not say) and whether it is a software
 * fallback (SwiftShader: a GPU emulated on the CPU); undefined without WebGPU.
 */
export async function webGpuAdapter(): Promise<{ name: string; fallback: boolean } | undefined> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return undefined;
    const { vendor, architecture, description, isFallbackAdapter } = adapter.info ?? {};
    return { name: [vendor, architecture, description].filter((s) => s).join(' '), fallback: Boolean(isFallbackAdapter ?? adapter.isFallbackAdapter) };
  } catch {
    return undefined;
  }
}

export class WebEngine {
  private readonly sessions = new Map<string, Promise<InferenceBackend>>();
  private provider?: Promise<WebProvider>;

  constructor(private readonly options: WebEngineOptions) {
    ort.env.wasm.wasmPaths = { wasm: options.wasmBase + ORT_WASM };
    ort.env.wasm.proxy = false;
    // Webviews are not cross-origin isolated: no SharedArrayBuffer, so one WASM thread.
    ort.env.wasm.numThreads = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  }

  /** The provider sessions use: the first of `providers` that works here. */
  chosenProvider(): Promise<WebProvider> {
    this.provider ??= (async () => {
      for (const p of this.options.providers ?? ['webgpu', 'wasm']) {
        if (p === 'wasm' || (await webGpuAdapter()) !== undefined) return p;
      }
      return 'wasm' as const;
    })();
    return this.provider;
  }

  /** A session for the model, cached by `sha256`; `bytes` may be a loader, called only on a cache miss. */
  backend(sha256: string, bytes: Uint8Array | (() => Promise<Uint8Array>)): Promise<InferenceBackend> {
    return this.cached(sha256, bytes, (s, provider) => ortBackend(s, ort.Tensor as unknown as OrtTensorConstructor, provider));
  }

  /** A new session with named inputs and outputs (a promptable model's decoder); the caller keeps and releases it. */
  async multiSession(bytes: Uint8Array): Promise<MultiSession> {
    const provider = await this.chosenProvider();
    return ortMultiSession(await this.create(bytes, provider), ort.Tensor as unknown as OrtAnyTensorConstructor, provider);
  }

  private cached(sha256: string, bytes: Uint8Array | (() => Promise<Uint8Array>), wrap: (session: OrtSessionLike, provider: WebProvider) => InferenceBackend) {
    let session = this.sessions.get(sha256);
    if (!session) {
      session = (async () => {
        const provider = await this.chosenProvider();
        return wrap(await this.create(typeof bytes === 'function' ? await bytes() : bytes, provider), provider);
      })();
      session.catch(() => this.sessions.delete(sha256));
      this.sessions.set(sha256, session);
    }
    return session;
  }

  private async create(model: Uint8Array, provider: WebProvider): Promise<OrtSessionLike> {
    const s = await ort.InferenceSession.create(model, { executionProviders: [provider], graphOptimizationLevel: 'all' });
    return s as unknown as OrtSessionLike;
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s.catch(() => undefined))?.release();
  }
}
