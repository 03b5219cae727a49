/**
 * An ONNX session with several named inputs and outputs (a promptable model's encoder and
 * decoder), over any ONNX Runtime build: onnxruntime-node in the host and the CLI,
 * onnxruntime-web in the webview.
 */
import type { OrtSessionLike, OrtTensorLike } from '../backend';

export type TensorType = 'float32' | 'uint8';

export interface FeedTensor {
  type: TensorType;
  data: Float32Array | Uint8Array;
  dims: readonly number[];
}

export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

export interface NamedTensorInfo {
  name: string;
  /** Numbers for fixed axes, strings for symbolic ones; undefined when the file does not say. */
  shape?: ReadonlyArray<number | string>;
  /** ONNX element type as ONNX Runtime names it ('float32', 'uint8'...); undefined when unknown. */
  type?: string;
}

export interface SessionIo {
  inputs: NamedTensorInfo[];
  outputs: NamedTensorInfo[];
}

export interface MultiSession {
  /** Execution provider that runs it: 'cpu' (native), 'wasm' or 'webgpu'. */
  readonly provider: string;
  readonly io: SessionIo;
  /** Runs the feeds; returns the float32 outputs named in `fetches`. */
  run(feeds: Record<string, FeedTensor>, fetches: readonly string[]): Promise<Record<string, FloatTensor>>;
  release(): Promise<void>;
}

export type OrtAnyTensorConstructor = new (type: TensorType, data: Float32Array | Uint8Array, dims: readonly number[]) => OrtTensorLike;

type Metadata = ReadonlyArray<{ name: string; isTensor: boolean; type?: string; shape?: ReadonlyArray<number | string> }> | undefined;

export function ortMultiSession(session: OrtSessionLike, Tensor: OrtAnyTensorConstructor, provider: string): MultiSession {
  const info = (names: readonly string[], meta: Metadata): NamedTensorInfo[] =>
    names.map((name) => {
      const m = meta?.find((x) => x.name === name && x.isTensor);
      return { name, shape: m?.shape, type: m?.type };
    });
  const io = { inputs: info(session.inputNames, session.inputMetadata as Metadata), outputs: info(session.outputNames, session.outputMetadata as Metadata) };
  return {
    provider,
    io,
    async run(feeds, fetches) {
      const tensors = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new Tensor(t.type, t.data, t.dims)]));
      const results = await session.run(tensors, fetches);
      const out: Record<string, FloatTensor> = {};
      for (const name of fetches) {
        const t = results[name];
        if (!t || !(t.data instanceof Float32Array)) throw new Error(`output "${name}" is not a float32 tensor (${t?.type ?? 'missing'})`);
        out[name] = { data: t.data, dims: [...t.dims] };
      }
      return out;
    },
    release: () => session.release(),
  };
}
