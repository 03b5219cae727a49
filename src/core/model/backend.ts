/**
 * What the pre-labeling pipeline needs from an inference engine, so the same code runs over
 * onnxruntime-node (extension host, CLI), onnxruntime-web's WASM build (Node, webview) and its
 * WebGPU build (webview).
 */
import { toFloat32, type InputTensor } from './tensors';

export interface TensorInfo {
  name: string;
  /** Numbers for fixed axes, strings for symbolic ones; undefined when the file does not say. */
  shape?: ReadonlyArray<number | string>;
  /** Element type as ONNX Runtime names it ('float32', 'float16', 'uint8', 'int64'...); undefined when unknown. */
  type?: string;
}

export interface ModelIo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

export interface InferenceOutput {
  /** The values as float32, whatever the model's type (integers and float16 converted). */
  data: Float32Array;
  dims: number[];
  /** The model's own element type of this output. */
  type: string;
}

export interface InferenceBackend {
  /** Execution provider that ran: 'cpu' (native), 'wasm' or 'webgpu'. */
  readonly provider: string;
  readonly io: ModelIo;
  /** Runs one input (src/core/model/tensors.ts encodes it); returns the output named `outputName` (default: the first). */
  run(input: InputTensor, outputName?: string): Promise<InferenceOutput>;
  release(): Promise<void>;
}

/** The part of onnxruntime-common's API the adapter uses (node and web builds share it). */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
  dispose?(): void;
}

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: ReadonlyArray<{ name: string; isTensor: boolean; shape?: ReadonlyArray<number | string>; type?: string }>;
  readonly outputMetadata?: ReadonlyArray<{ name: string; isTensor: boolean; shape?: ReadonlyArray<number | string>; type?: string }>;
  run(feeds: Record<string, OrtTensorLike>, fetches?: readonly string[]): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

export type OrtTensorConstructor = new (type: InputTensor['type'], data: InputTensor['data'], dims: readonly number[]) => OrtTensorLike;

/** Wraps an ONNX Runtime session (any build) as an InferenceBackend. */
export function ortBackend(session: OrtSessionLike, Tensor: OrtTensorConstructor, provider: string): InferenceBackend {
  const info = (names: readonly string[], meta: OrtSessionLike['inputMetadata']): TensorInfo[] =>
    names.map((name) => {
      const m = meta?.find((x) => x.name === name && x.isTensor);
      return { name, shape: m?.shape, type: m?.type };
    });
  const io = { inputs: info(session.inputNames, session.inputMetadata), outputs: info(session.outputNames, session.outputMetadata) };
  return {
    provider,
    io,
    async run(input, outputName = io.outputs[0].name) {
      const tensor = new Tensor(input.type, input.data, input.dims);
      const results = await session.run({ [io.inputs[0].name]: tensor }, [outputName]);
      const out = results[outputName];
      if (!out) throw new Error(`output "${outputName}" is missing from the model's results`);
      const result = { data: toFloat32(out.data, out.type), dims: [...out.dims], type: out.type };
      for (const t of Object.values(results)) if (t !== out) t.dispose?.();
      return result;
    },
    release: () => session.release(),
  };
}
