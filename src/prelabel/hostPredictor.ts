/**
 * One image through the active model in the extension host: the mask editor's CPU path when its
 * webview has no WebGPU (native onnxruntime-node instead of single-threaded WASM in the webview).
 * The most recent session is kept, keyed by model file and dataset (classes are resolved per
 * dataset), and dropped when another model is selected.
 */
import * as vscode from 'vscode';
import type { LoadedModel } from '../core/model/load';
import { decodeImage } from '../core/model/image';
import { predict, type Prediction } from '../core/model/pipeline';
import type { DatasetState } from '../dataset/datasetState';
import { loadForDataset } from './hostModel';
import type { ModelRegistry } from './modelRegistry';

export interface HostPrediction {
  prediction: Prediction;
  loaded: LoadedModel;
  seconds: number;
}

/** How the status line names a host run: "cpu (onnxruntime-node)", or the WASM build hostBackend falls back to. */
export function hostProviderLabel(provider: string): string {
  return provider === 'cpu' ? 'cpu (onnxruntime-node)' : `${provider} (onnxruntime-web in the extension host)`;
}

export class HostPredictor implements vscode.Disposable {
  private session?: { key: string; loaded: Promise<LoadedModel> };

  constructor(
    private readonly models: ModelRegistry,
    /** SegLab's log, also for the webview path of "Pre-label Image". */
    readonly log: vscode.LogOutputChannel,
  ) {}

  /** Runs the active model on `imagePath` (a path of `dataset.fs`); throws when no model is active. */
  async predictImage(dataset: DatasetState, imagePath: string, signal?: AbortSignal): Promise<HostPrediction> {
    const model = await this.models.active();
    if (!model) throw new Error(vscode.l10n.t('No active model: run "SegLab: Select Model" or "SegLab: Add Model…".'));
    const key = `${model.uri.toString()}|${dataset.key}`;
    if (this.session?.key !== key) {
      void this.release();
      const loaded = loadForDataset(model, dataset, this.log);
      loaded.catch(() => (this.session = undefined));
      this.session = { key, loaded };
    }
    const loaded = await this.session.loaded;
    const start = performance.now();
    const image = await decodeImage(await dataset.fs.readFile(imagePath), imagePath);
    const prediction = await predict(image, loaded.model, loaded.backend, { signal });
    const seconds = (performance.now() - start) / 1000;
    this.models.recordRun({ provider: loaded.backend.provider, secondsPerImage: seconds });
    return { prediction, loaded, seconds };
  }

  private async release(): Promise<void> {
    const old = this.session;
    this.session = undefined;
    await (await old?.loaded.catch(() => undefined))?.backend.release();
  }

  dispose(): void {
    void this.release();
  }
}
