/** Promptable models in Node (CLI, extension host): both sessions on native ONNX Runtime (CPU). */
import type { OrtSessionLike } from '../core/model/backend';
import { sha256Hex } from '../core/hash';
import { baseName } from '../core/paths';
import { loadPromptableModel, type PromptableModel } from '../core/model/promptable/load';
import type { PromptablePart } from '../core/model/promptable/recognise';
import { ortMultiSession, type MultiSession, type OrtAnyTensorConstructor } from '../core/model/promptable/session';
import { NodeFileSystem } from './nodeFileSystem';
import { defaultThreads, requireNativeRuntime } from './onnxBackends';

/**
 * The pool's threads sleep between parallel sections instead of spin-waiting: a spinning thread
 * takes a core from the JavaScript thread (the extension host's, the CLI's) and from the rest of a
 * shared machine. The demo click model (128x128 crop, 2 threads) on the 2-core machine at load 9,
 * three runs each, its run followed by 3 ms of JavaScript as in a click: model run p50 3.8-4.0 ms
 * instead of 14-16 ms, run plus JavaScript p50 7 ms instead of 26-33 ms, p95 10-32 ms instead of 48-68 ms.
 */
const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' } } };

export async function createNativeSession(bytes: Uint8Array, threads = defaultThreads()): Promise<MultiSession> {
  const ort = requireNativeRuntime();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    extra: NO_SPINNING,
  });
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
