/**
 * What the pre-labeling pipeline needs from an inference engine, so the same code runs over
 * onnxruntime-node (extension host, CLI), onnxruntime-web's WASM build (Node, webview) and its
 * WebGPU build (webview).
 */
export interface TensorInfo {
  name: string;
  /** Numbers for fixed axes, strings for symbolic ones; undefined when the file does not say. */
  shape?: ReadonlyArray<number | string>;
}

export interface ModelIo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

export interface InferenceOutput {
  data: Float32Array;
  dims: number[];
}

export interface InferenceBackend {
  /** Execution provider that ran: 'cpu' (native), 'wasm' or 'webgpu'. */
  readonly provider: string;
  readonly io: ModelIo;
  /** Runs one NCHW float32 input; returns the output named `outputName` (default: the first). */
  run(input: Float32Array, dims: readonly number[], outputName?: string): Promise<InferenceOutput>;
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
  readonly inputMetadata?: ReadonlyArray<{ name: string; isTensor: boolean; shape?: ReadonlyArray<number | string> }>;
  readonly outputMetadata?: ReadonlyArray<{ name: string; isTensor: boolean; shape?: ReadonlyArray<number | string> }>;
  run(feeds: Record<string, OrtTensorLike>, fetches?: readonly string[]): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

export type OrtTensorConstructor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;

/** Wraps an ONNX Runtime session (any build) as an InferenceBackend. */
export function ortBackend(session: OrtSessionLike, Tensor: OrtTensorConstructor, provider: string): InferenceBackend {
  const info = (names: readonly string[], meta: OrtSessionLike['inputMetadata']): TensorInfo[] =>
    names.map((name) => ({ name, shape: meta?.find((m) => m.name === name && m.isTensor)?.shape }));
  const io = { inputs: info(session.inputNames, session.inputMetadata), outputs: info(session.outputNames, session.outputMetadata) };
  return {
    provider,
    io,
    async run(input, dims, outputName = io.outputs[0].name) {
      const tensor = new Tensor('float32', input, dims);
      const results = await session.run({ [io.inputs[0].name]: tensor }, [outputName]);
      const out = results[outputName];
      if (!out || !(out.data instanceof Float32Array)) throw new Error(`output "${outputName}" is not a float32 tensor (${out?.type ?? 'missing'})`);
      const result = { data: out.data, dims: [...out.dims] };
      for (const t of Object.values(results)) if (t !== out) t.dispose?.();
      return result;
    },
    release: () => session.release(),
  };
}
