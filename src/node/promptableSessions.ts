/** Promptable models in Node (CLI, extension host): both sessions on native ONNX Runtime (CPU). */
import { createHash } from 'node:crypto';
import type { OrtSessionLike } from '../core/model/backend';
import { loadPromptableModel, type PromptableModel } from '../core/model/promptable/load';
import { ortMultiSession, type MultiSession, type OrtAnyTensorConstructor } from '../core/model/promptable/session';
import { NodeFileSystem } from './nodeFileSystem';
import { defaultThreads, requireRuntime } from './onnxBackends';

type OrtNode = typeof import('onnxruntime-node');

export async function createNativeSession(bytes: Uint8Array, threads = defaultThreads()): Promise<MultiSession> {
  process.env.ORT_DISABLE_TELEMETRY = '1'; // before onnxruntime-node loads, as createNativeBackend does
  const ort = requireRuntime<OrtNode>('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  return ortMultiSession(session as unknown as OrtSessionLike, ort.Tensor as unknown as OrtAnyTensorConstructor, 'cpu');
}

const sha256 = async (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function loadNativePromptable(cardPath: string, threads?: number): Promise<PromptableModel> {
  return loadPromptableModel({ fs: new NodeFileSystem(), sha256, createSession: (bytes) => createNativeSession(bytes, threads) }, cardPath);
}
