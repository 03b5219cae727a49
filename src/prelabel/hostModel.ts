/**
 * Running models in the extension host: onnxruntime-node's native CPU provider (the CPU path of
 * pre-labeling: within 1.5x of native by being native, see bench/prelabel.bench.ts), falling back
 * to onnxruntime-web's multi-threaded WASM build where the native binary cannot load.
 */
import type * as vscode from 'vscode';
import type { InferenceBackend } from '../core/model/backend';
import { describeMapping } from '../core/model/classMapping';
import { loadModel, type LoadedModel, type ModelLoaderDeps } from '../core/model/load';
import type { DatasetState } from '../dataset/datasetState';
import { createNativeBackend, createWasmBackend } from '../node/onnxBackends';
import type { ModelEntry } from './modelRegistry';
import { errorMessage } from '../core/errors';

export async function hostBackend(bytes: Uint8Array, log: vscode.LogOutputChannel): Promise<InferenceBackend> {
  try {
    return await createNativeBackend(bytes);
  } catch (error) {
    log.warn(`onnxruntime-node could not start (${errorMessage(error)}); using onnxruntime-web's WASM build in the extension host`);
    return createWasmBackend(bytes);
  }
}

/** Loads the model against the dataset's classes and logs the defaults it used; `createBackend` default hostBackend. */
export async function loadForDataset(
  model: ModelEntry,
  dataset: DatasetState,
  log: vscode.LogOutputChannel,
  createBackend: ModelLoaderDeps['createBackend'] = (bytes) => hostBackend(bytes, log),
): Promise<LoadedModel> {
  const index = dataset.index;
  if (!index) throw new Error(`${dataset.uri.fsPath}: the dataset is not loaded${dataset.error ? ` (${dataset.error.message})` : ''}`);
  const loaded = await loadModel({ fs: model.fs, createBackend }, model.path, {
    classes: index.config.classes,
    ignoreIndex: index.config.ignoreIndex,
    path: dataset.uri.fsPath,
  });
  for (const d of loaded.model.defaults) log.info(`${model.uri.fsPath}: default used: ${d}`);
  if (loaded.model.mapping.rule !== 'id') log.info(`${model.uri.fsPath}: classes: ${describeMapping(loaded.model.mapping, index.config)}`);
  return loaded;
}
