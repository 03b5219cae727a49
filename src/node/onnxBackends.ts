/**
 * ONNX Runtime backends for Node: native onnxruntime-node (CPU execution provider; what the
 * extension host, the batch command and the CLI use) and onnxruntime-web's WASM build (the
 * webview's CPU engine, run in Node for tests and the benchmark).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ortBackend, type InferenceBackend, type OrtSessionLike, type OrtTensorConstructor } from '../core/model/backend';

export type NodeProvider = 'cpu' | 'wasm';

export interface BackendOptions {
  /** Intra-op threads (default: all cores, at most 4). */
  threads?: number;
}

export const defaultThreads = () => Math.max(1, Math.min(4, availableParallelism()));

/**
 * Every native session's option (pre-labeling's and Smart Select's): the intra-op pool's threads
 * sleep between parallel sections instead of spin-waiting, since a spinning thread takes a core
 * from the JavaScript thread (the extension host's, the CLI's, a pool worker's decode and encode)
 * and from the rest of a shared machine. The demo click model (128x128 crop, 2 threads) on the
 * 2-core machine at load 9, its run followed by 3 ms of JavaScript as in a click: model run p50
 * 3.8-4.0 ms instead of 14-16 ms, run plus JavaScript p50 7 ms instead of 26-33 ms. Batch
 * pre-labeling of 48 JPEGs with the demo U-Net (npm run bench -- prelabel, load 5-10, five
 * alternating runs each): one session with 2 threads median 1.81 images/s instead of 1.46; the pool
 * of 2 workers (1 thread each: no pool thread to spin) 2.05 against 2.06, unchanged.
 */
const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' } } };

/** Where a native session runs: CUDA only when asked for, never as a silent fallback (the session fails instead). */
export type NativeDevice = 'cpu' | 'cuda';

/** The options of every native session (`device`'s execution provider, `threads` intra-op threads, no spin-waiting). */
export function nativeSessionOptions(threads = defaultThreads(), device: NativeDevice = 'cpu') {
  return { executionProviders: [device], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const, extra: NO_SPINNING };
}

type OrtNode = typeof import('onnxruntime-node');
type OrtWeb = typeof import('onnxruntime-web');

/**
 * ONNX Runtime stays out of the esbuild bundles (native binaries, .wasm files next to their
 * JS): it is loaded through createRequire, which esbuild does not follow. In the repository it
 * resolves to node_modules; the packaged extension has none and loads the copy that
 * scripts/build.mjs puts in dist/onnxruntime-node (the CPU build of the package's platform).
 */
export function requireRuntime<T>(name: string): T {
  const require = createRequire(__filename);
  try {
    return require(name) as T;
  } catch (error) {
    try {
      return require(join(__dirname, name)) as T;
    } catch {
      throw error;
    }
  }
}

/**
 * onnxruntime-node, loaded with telemetry off: it writes a device id and a telemetry queue under
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ unless ORT_DISABLE_TELEMETRY is set before it
 * loads. Every native session, in the CLI and in the extension host, loads it through here.
 */
export function requireNativeRuntime(): OrtNode {
  process.env.ORT_DISABLE_TELEMETRY = '1';
  return requireRuntime<OrtNode>('onnxruntime-node');
}

export async function createNativeBackend(bytes: Uint8Array, options: BackendOptions = {}): Promise<InferenceBackend> {
  const ort = requireNativeRuntime();
  const session = await ort.InferenceSession.create(bytes, nativeSessionOptions(options.threads));
  return ortBackend(session as unknown as OrtSessionLike, ort.Tensor as unknown as OrtTensorConstructor, 'cpu');
}

/**
 * onnxruntime-web in a Node process, with onnxruntime-node loaded before it where it can be: both
 * register a backend named "cpu" in the one onnxruntime-common, which (1.30) keeps the first
 * registration of a name whatever the priorities, so every native session created after
 * onnxruntime-web loaded alone ran on the WASM build (the click model's bench: 4x slower, unnoticed).
 */
export function requireWebRuntime(): OrtWeb {
  try {
    requireNativeRuntime();
  } catch {
    // No native binary here (the extension host's fallback): the WASM build is all there is.
  }
  return requireRuntime<OrtWeb>('onnxruntime-web');
}

/** onnxruntime-web's thread count is global to the module: the first session's setting wins. */
export async function createWasmBackend(bytes: Uint8Array, options: BackendOptions = {}): Promise<InferenceBackend> {
  const ort = requireWebRuntime();
  ort.env.wasm.numThreads = options.threads ?? defaultThreads();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return ortBackend(session as unknown as OrtSessionLike, ort.Tensor as unknown as OrtTensorConstructor, 'wasm');
}

export function createBackend(provider: NodeProvider, bytes: Uint8Array, options: BackendOptions = {}): Promise<InferenceBackend> {
  return provider === 'cpu' ? createNativeBackend(bytes, options) : createWasmBackend(bytes, options);
}
