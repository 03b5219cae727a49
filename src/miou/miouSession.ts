/**
 * The mIoU view's host state: which dataset, model and split it shows, the per-model matrix
 * caches, the last full evaluation, and one computation at a time (a request during a run is
 * queued; an update never runs twice at once). Saved masks and written predictions mark their
 * images dirty, so an update decodes only those.
 */
import * as vscode from 'vscode';
import type { DatasetIndex } from '../core/dataset/types';
import { cacheFingerprint, loadMatrixCache, MatrixCache, saveMatrixCache } from '../core/metrics/cache';
import { localScorer, type DatasetEvaluation, type Scorer, type ScoreSettings } from '../core/metrics/evaluateIncremental';
import { appendHistory, historyRecord, loadHistory, modelHash, type HistoryRecord } from '../core/metrics/history';
import {
  MIOU_PROTOCOL_VERSION,
  MiouMessageType,
  type EmptyReason,
  type MiouChoices,
  type MiouSelection,
  type ResultsMessage,
  type ToMiouWebviewMessage,
} from '../core/miouProtocol';
import { describeMapping, type ClassMapping } from '../core/model/classMapping';
import { joinPath } from '../core/paths';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetState } from '../dataset/datasetState';
import { ALL_SPLITS, emptyState, evaluateDataset, modelsOf, predictionMapping, resultsMessage, settingsOf, splitPairs, splitsOf } from './miouResults';
import type { WorkerPool } from './workerPool';
import { errorMessage, errorStack } from '../core/errors';

/** Fewer jobs than this are scored in this thread: starting workers would cost more. */
const POOL_THRESHOLD = 32;
const PROGRESS_INTERVAL_MS = 100;
const CACHE_SAVE_DELAY_MS = 2000;
const MAX_LOGGED_PROBLEMS = 50;
export const historyPath = (root: string) => joinPath(root, '.seglab', 'miou-history.json');
const cachePath = (root: string, model: string) => joinPath(root, '.seglab', 'miou', `${model}.cache.json`);

export type UpdateKind = 'full' | 'incremental';

/** The last results, for export and "Show Worst Images". */
export interface Shown {
  dataset: DatasetState;
  index: DatasetIndex;
  message: ResultsMessage;
  evaluation: DatasetEvaluation;
  /** As the predictions' manifest records it (the JSON export carries it as `seglab miou --json` does). */
  mapping?: ClassMapping;
}

export class MiouSession implements vscode.Disposable {
  private selection: Partial<MiouSelection> = { split: ALL_SPLITS };
  private readonly caches = new Map<string, MatrixCache>();
  private full?: {
    key: string;
    index: DatasetIndex;
    evaluation: DatasetEvaluation;
    history: HistoryRecord[];
    seconds: number;
    mapping?: ClassMapping;
  };
  private readonly dirty = new Map<string, Set<string>>();
  private running?: AbortController;
  private queued?: UpdateKind;
  private chain = Promise.resolve();
  private readonly saves = new Map<string, { timer: ReturnType<typeof setTimeout>; run: () => void }>();
  shown?: Shown;

  constructor(
    private readonly registry: DatasetRegistry,
    private readonly pool: WorkerPool | undefined,
    private readonly log: vscode.LogOutputChannel,
    private readonly post: (message: ToMiouWebviewMessage) => void,
  ) {}

  /** A label or prediction file of `dataset` changed: its image is scored again on the next update. */
  markDirty(dataset: DatasetState, stem: string): void {
    const set = this.dirty.get(dataset.key) ?? new Set<string>();
    set.add(stem);
    this.dirty.set(dataset.key, set);
  }

  select(change: Partial<MiouSelection>): Promise<void> {
    const splitOnly = Object.keys(change).every((k) => k === 'split');
    this.selection = { ...this.selection, ...change };
    if (change.dataset !== undefined && change.model === undefined) this.selection.model = undefined;
    return splitOnly && this.full ? this.chainWork(() => this.showFull()) : this.update('incremental');
  }

  cancel(): void {
    this.running?.abort(new Error('cancelled'));
  }

  /** Runs (or queues) an update; resolves when it is shown. A full one hashes every file again. */
  update(kind: UpdateKind): Promise<void> {
    if (this.running) {
      this.queued = this.queued === 'full' || kind === 'full' ? 'full' : 'incremental';
      // The running update queues this one when it ends: resolve after that one.
      return this.chain.then(() => this.chain);
    }
    return this.chainWork(() => this.run(kind));
  }

  private chainWork(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(work).catch((error: unknown) => {
      this.log.error(`mIoU: ${errorStack(error)}`);
      this.postEmpty('error', `The mIoU could not be computed: ${errorMessage(error)}`, this.choices());
    });
    return this.chain;
  }

  private current(): { dataset?: DatasetState; index?: DatasetIndex } {
    const all = this.registry.datasets;
    const dataset = all.find((d) => d.key === this.selection.dataset && d.index) ?? all.find((d) => d.index);
    return { dataset, index: dataset?.index };
  }

  private choices(index?: DatasetIndex): MiouChoices {
    return {
      datasets: this.registry.datasets.filter((d) => d.index).map((d) => ({ key: d.key, name: d.name })),
      models: index ? modelsOf(index) : [],
      splits: index ? splitsOf(index) : [ALL_SPLITS],
    };
  }

  private postEmpty(reason: EmptyReason, message: string, choices: MiouChoices, selection?: MiouSelection): void {
    this.shown = undefined;
    this.post({ type: MiouMessageType.Empty, version: MIOU_PROTOCOL_VERSION, reason, message, choices, selection });
  }

  private async run(kind: UpdateKind): Promise<void> {
    const { dataset, index } = this.current();
    if (!dataset || !index) {
      const loading = this.registry.datasets.some((d) => d.loading) || this.registry.discovering;
      this.postEmpty(
        loading ? 'loading' : 'no-dataset',
        loading ? 'Loading datasets…' : 'No dataset is open. Open a dataset folder in the SegLab Dataset view.',
        this.choices(),
      );
      return;
    }
    const choices = this.choices(index);
    const models = choices.models;
    const model = this.selection.model !== undefined && models.includes(this.selection.model) ? this.selection.model : models[0];
    const split = choices.splits.includes(this.selection.split ?? ALL_SPLITS) ? (this.selection.split ?? ALL_SPLITS) : ALL_SPLITS;
    const selection: MiouSelection = { dataset: dataset.key, model: model ?? '', split };
    const empty = emptyState(index, model);
    if (empty || model === undefined) {
      this.full = undefined;
      this.postEmpty(empty?.reason ?? 'no-predictions', empty?.message ?? '', choices, selection);
      return;
    }
    const key = `${dataset.key}\n${model}`;
    const settings = settingsOf(index);
    const cache = await this.cacheFor(dataset, index, model, settings);
    const dirty = this.dirty.get(dataset.key) ?? new Set<string>();
    this.dirty.delete(dataset.key);
    // Without an earlier run in this session every file is checked (by hash: the cache still saves decoding).
    const changed = kind === 'incremental' && this.full?.key === key ? dirty : undefined;
    const abort = new AbortController();
    this.running = abort;
    const started = Date.now();
    let lastProgress = 0;
    try {
      const evaluation = await vscode.window.withProgress({ location: { viewId: 'seglab.miou' } }, () =>
        evaluateDataset(dataset.fs, index, model, cache, this.scorer(dataset, settings), {
          changed,
          signal: abort.signal,
          onProgress: (done, total) => {
            if (Date.now() - lastProgress < PROGRESS_INTERVAL_MS && done < total) return;
            lastProgress = Date.now();
            this.post({ type: MiouMessageType.Progress, done, total, running: true });
          },
        }),
      );
      const seconds = (Date.now() - started) / 1000;
      this.log.info(`mIoU of ${model} on ${dataset.name}: ${evaluation.images.length} images, ${evaluation.rescored} read again, ${seconds.toFixed(2)} s`);
      // The view shows how many pairs were not scored; the output channel says which and why.
      for (const p of evaluation.problems.slice(0, MAX_LOGGED_PROBLEMS)) this.log.warn(`mIoU: ${p.path}: ${p.kind}: ${p.message}`);
      const history = await this.record(dataset, index, model, cache, evaluation, kind === 'full' || evaluation.rescored > 0);
      const mapping = await predictionMapping(dataset.fs, index, model);
      this.full = { key, index, evaluation, history, seconds, mapping };
      this.selection = selection;
      await this.showFull();
      if (evaluation.rescored > 0) this.scheduleSave(dataset, cachePath(index.root, model), cache);
    } catch (error) {
      for (const name of dirty) this.markDirty(dataset, name);
      if (!abort.signal.aborted) throw error;
      if (!this.shown) this.postEmpty('not-computed', 'Computation cancelled. Run "SegLab: Compute mIoU" to start it again.', choices, selection);
    } finally {
      this.running = undefined;
      this.post({ type: MiouMessageType.Progress, done: 0, total: 0, running: false });
      const next = this.queued;
      this.queued = undefined;
      if (next) void this.update(next);
    }
  }

  /** Writes a cache a little later, so a burst of saved masks rewrites the (multi-MB) file once. */
  private scheduleSave(dataset: DatasetState, path: string, cache: MatrixCache): void {
    const key = `${dataset.key}\n${path}`;
    clearTimeout(this.saves.get(key)?.timer);
    const run = () => {
      this.saves.delete(key);
      saveMatrixCache(dataset.fs, path, cache).catch((error: unknown) => this.log.warn(`mIoU cache not saved: ${errorMessage(error)}`));
    };
    this.saves.set(key, { timer: setTimeout(run, CACHE_SAVE_DELAY_MS), run });
  }

  /** Shows the last full evaluation restricted to the selected split (no file is read). */
  private async showFull(): Promise<void> {
    const { dataset, index } = this.current();
    const full = this.full;
    if (!dataset || !index || !full || full.index !== index) return this.run('incremental');
    const choices = this.choices(index);
    const model = this.selection.model as string;
    const split = choices.splits.includes(this.selection.split ?? ALL_SPLITS) ? (this.selection.split ?? ALL_SPLITS) : ALL_SPLITS;
    const selection = { dataset: dataset.key, model, split };
    const pairs = await splitPairs(dataset.fs, index, model, split);
    const { message, evaluation } = resultsMessage(index, full.evaluation, pairs, {
      selection,
      choices,
      history: full.history,
      seconds: full.seconds,
      classMapping: full.mapping && describeMapping(full.mapping, index.config),
    });
    this.shown = { dataset, index, message, evaluation, mapping: full.mapping };
    this.post(message);
  }

  private scorer(dataset: DatasetState, settings: ScoreSettings): Scorer {
    const local = localScorer(dataset.fs, settings);
    const pool = dataset.uri.scheme === 'file' ? this.pool : undefined;
    if (!pool) return local;
    const workers = pool.scorer(settings);
    // Workers read with Node's fs: give them file-system paths (they differ from URI paths on Windows).
    return async (jobs, progress) => {
      if (jobs.length < POOL_THRESHOLD) return local(jobs, progress);
      const back = new Map<string, string>();
      const fsPath = (p: string) => {
        const f = dataset.fs.uri(p).fsPath;
        back.set(f, p);
        return f;
      };
      const results = await workers(
        jobs.map((j) => ({ ...j, gt: fsPath(j.gt), pred: fsPath(j.pred) })),
        progress,
      );
      return results.map((r) => (r.problem ? { ...r, problem: { ...r.problem, path: back.get(r.problem.path) ?? r.problem.path } } : r));
    };
  }

  private async cacheFor(dataset: DatasetState, index: DatasetIndex, model: string, s: ScoreSettings): Promise<MatrixCache> {
    const key = `${dataset.key}\n${model}`;
    const fingerprint = cacheFingerprint(s.classes, s.numClasses, s.ignoreIndex);
    const known = this.caches.get(key);
    if (known && known.fingerprint === fingerprint) return known;
    const path = cachePath(index.root, model);
    let cache: MatrixCache;
    try {
      cache = await loadMatrixCache(dataset.fs, path, s.numClasses, s.ignoreIndex, fingerprint);
    } catch (error) {
      this.log.warn(`mIoU cache ignored: ${errorMessage(error)}`);
      cache = new MatrixCache(s.numClasses, s.ignoreIndex, fingerprint);
    }
    this.caches.set(key, cache);
    return cache;
  }

  /** Stores the model version's point in the history (when something was computed); returns the history. */
  private async record(
    dataset: DatasetState,
    index: DatasetIndex,
    model: string,
    cache: MatrixCache,
    e: DatasetEvaluation,
    write: boolean,
  ): Promise<HistoryRecord[]> {
    const path = historyPath(index.root);
    try {
      if (!write || e.images.length === 0) return await loadHistory(dataset.fs, path);
      const hash = await modelHash(e.images.map((i) => [i.name, cache.get(i.name)?.pred ?? '']));
      return await appendHistory(dataset.fs, path, historyRecord(model, hash, ALL_SPLITS, e.scores, e.images.length));
    } catch (error) {
      this.log.warn(`mIoU history: ${errorMessage(error)}`);
      return [];
    }
  }

  /** The dataset and stem a changed file belongs to, when it is a label or prediction mask. */
  static stemOf(dataset: DatasetState, uri: vscode.Uri): string | undefined {
    const config = dataset.index?.config;
    if (!config || !uri.path.endsWith('.png')) return undefined;
    const rel = uri.path.slice(dataset.uri.path.length + 1);
    if (!rel.startsWith(`${config.masksDir}/`) && !rel.startsWith(`${config.predictionsDir}/`)) return undefined;
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    return base.slice(0, -'.png'.length);
  }

  dispose(): void {
    this.cancel();
    // Pending cache writes start now (deactivation waits a little); the cache is only a cache if they do not finish.
    for (const { timer, run } of [...this.saves.values()]) {
      clearTimeout(timer);
      run();
    }
  }
}
