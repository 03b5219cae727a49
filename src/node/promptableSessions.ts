/** Promptable models in Node (CLI, extension host): both sessions on native ONNX Runtime (CPU). */
import type { OrtSessionLike } from '../core/model/backend';
import { sha256Hex } from '../core/hash';
import { baseName } from '../core/paths';
import { loadPromptableModel, type PromptableModel } from '../core/model/promptable/load';
import type { PromptablePart } from '../core/model/promptable/recognise';
import { ortMultiSession, type MultiSession, type OrtAnyTensorConstructor } from '../core/model/promptable/session';
import { NodeFileSystem } from './nodeFileSystem';
import { defaultThreads, nativeSessionOptions, requireNativeRuntime } from './onnxBackends';

export async function createNativeSession(bytes: Uint8Array, threads = defaultThreads()): Promise<MultiSession> {
  const ort = requireNativeRuntime();
  const session = await ort.InferenceSession.create(bytes, nativeSessionOptions(threads));
  return ortMultiSession(session as unknown as OrtSessionLike, ort.Tensor as unknown as OrtAnyTensorConstructor, 'cpu');
}

export function loadNativePromptable(cardPath: string, threads?: number): Promise<PromptableModel> {
  return loadPromptableModel({ fs: new NodeFileSystem(), sha256: sha256Hex, createSession: (bytes) => createNativeSession(bytes, threads) }, cardPath);
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
