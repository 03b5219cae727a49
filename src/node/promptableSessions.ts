/** Promptable models in Node (CLI, extension host): both sessions on native ONNX Runtime (CPU). */
import type { OrtSessionLike } from '../core/model/backend';
import { errorMessage } from '../core/errors';
import { sha256Hex } from '../core/hash';
import { baseName } from '../core/paths';
import { loadPromptableEncoder, loadPromptableModel, type PromptableModel } from '../core/model/promptable/load';
import type { PromptablePart } from '../core/model/promptable/recognise';
import { ortMultiSession, type MultiSession, type OrtAnyTensorConstructor } from '../core/model/promptable/session';
import { NodeFileSystem } from './nodeFileSystem';
import { defaultThreads, nativeSessionOptions, requireNativeRuntime, type NativeDevice } from './onnxBackends';

/** A native session on `device`; its `provider` is that device, the one execution provider it was given. */
export async function createNativeSession(bytes: Uint8Array, threads = defaultThreads(), device: NativeDevice = 'cpu'): Promise<MultiSession> {
  const ort = requireNativeRuntime();
  const session = await ort.InferenceSession.create(bytes, nativeSessionOptions(threads, device)).catch((error: unknown) => {
    if (device === 'cpu') throw error;
    throw new Error(`CUDA was asked for, and this onnxruntime-node cannot run it (${errorMessage(error)})`);
  });
  return ortMultiSession(session as unknown as OrtSessionLike, ort.Tensor as unknown as OrtAnyTensorConstructor, device);
}

export function loadNativePromptable(cardPath: string, threads?: number): Promise<PromptableModel> {
  return loadPromptableModel({ fs: new NodeFileSystem(), sha256: sha256Hex, createSession: (bytes) => createNativeSession(bytes, threads) }, cardPath);
}

/** A SAM card's encoder alone on `device` (seglab embed); `encoderPath` replaces the card's encoder.file. */
export function loadNativeEncoder(cardPath: string, options: { threads?: number; device?: NativeDevice; encoderPath?: string }) {
  const deps = {
    fs: new NodeFileSystem(),
    sha256: sha256Hex,
    createSession: (bytes: Uint8Array) => createNativeSession(bytes, options.threads, options.device),
  };
  return loadPromptableEncoder(deps, cardPath, options.encoderPath);
}

/** What recogniseSam reads of one ONNX file (`path` names it in errors; `file`: its name next to the card). */
export async function promptablePart(bytes: Uint8Array, path: string, file = baseName(path)): Promise<PromptablePart> {
  const session = await createNativeSession(bytes, 1);
  try {
    return { path, file, sha256: await sha256Hex(bytes), io: session.io };
  } finally {
    await session.release();
  }
}
