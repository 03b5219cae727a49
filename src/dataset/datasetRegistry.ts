import * as vscode from 'vscode';
import { loadDataset } from '../core/dataset/datasetIndex';
import { findDatasets } from '../core/dataset/detect';
import type { DatasetIndex } from '../core/dataset/types';
import { DataError, errorMessage, errorStack } from '../core/errors';
import { DatasetState } from './datasetState';
import { watchDataset, watchGlob } from './datasetWatcher';
import { VscodeFileSystem } from './vscodeFileSystem';

/** How deep below each workspace folder datasets are looked for. */
const SEARCH_DEPTH = 3;
/** workspaceState key: URIs of datasets added with "Open Dataset…". */
const OPENED_KEY = 'seglab.openedDatasets';

export type Trigger = 'user' | 'watcher';

export interface ValidationRequest {
  /** 'user': check every mask again; 'watcher': reuse earlier results for masks that did not change. */
  trigger: Trigger;
  /** Files the watcher reported since the previous load. */
  changed: readonly vscode.Uri[];
  /** Aborted when a newer load of the same dataset starts. */
  signal: AbortSignal;
}

/** Checks a freshly loaded index in the background (see backgroundValidation.ts); never throws. */
export type Validator = (dataset: DatasetState, index: DatasetIndex, request: ValidationRequest) => Promise<void>;

/**
 * The datasets shown in the tree: found in the workspace folders or opened by the user (kept per
 * workspace). Each one is indexed, watched and validated in the background; failures are kept on
 * the dataset (shown in the tree, logged), never thrown out of activation.
 */
export class DatasetRegistry implements vscode.Disposable {
  private readonly states = new Map<string, DatasetState>();
  private readonly watchers = new Map<string, { glob: string; watcher: vscode.Disposable; previous?: vscode.Disposable }>();
  /** Bumped on every reload of a dataset, so a slow, superseded load never overwrites a newer one. */
  private readonly generations = new Map<string, number>();
  /** Aborts the validation of a dataset's previous load. */
  private readonly aborts = new Map<string, AbortController>();
  /** Files reported changed and not yet handed to a validation (a superseded load keeps them for the next). */
  private readonly unvalidated = new Map<string, vscode.Uri[]>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly pending = new Set<Promise<void>>();
  readonly onDidChange = this.changed.event;
  discovering = false;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    private readonly validate: Validator,
  ) {}

  /** Datasets sorted by name, then location. */
  get datasets(): DatasetState[] {
    return [...this.states.values()].sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
  }

  get(uri: vscode.Uri): DatasetState | undefined {
    return this.states.get(uri.toString());
  }

  /** Resolves when no load, discovery or validation started so far is still running (for tests). */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Loads and discoveries never reject: what fails is logged (and kept on the dataset when it is one). */
  private track(work: Promise<void>): Promise<void> {
    const promise = work.catch((error: unknown) => this.log.error(errorStack(error)));
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
    return promise;
  }

  /** Finds the datasets of every workspace folder, keeps the opened ones, drops the rest, loads them all. */
  discover(): Promise<void> {
    return this.track(this.discoverNow(false));
  }

  /** Discovers again and re-indexes every dataset ("Refresh Dataset" with no dataset given). */
  reloadAll(): Promise<void> {
    return this.track(this.discoverNow(true));
  }

  private async discoverNow(reloadExisting: boolean): Promise<void> {
    this.discovering = true;
    this.changed.fire();
    const wanted = new Map<string, DatasetState>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const fs = new VscodeFileSystem(folder.uri);
      try {
        for (const path of await findDatasets(fs, folder.uri.path, SEARCH_DEPTH)) {
          const uri = fs.uri(path);
          wanted.set(uri.toString(), this.states.get(uri.toString()) ?? new DatasetState(uri, 'workspace'));
        }
      } catch (error) {
        this.log.error(`Looking for datasets in ${folder.uri.toString()} failed: ${errorMessage(error)}`);
      }
    }
    for (const text of this.memento.get<string[]>(OPENED_KEY, [])) {
      const uri = vscode.Uri.parse(text);
      if (!wanted.has(uri.toString())) wanted.set(uri.toString(), this.states.get(uri.toString()) ?? new DatasetState(uri, 'opened'));
    }
    for (const key of this.states.keys()) if (!wanted.has(key)) this.remove(key);
    const toLoad = [...wanted.values()].filter((d) => reloadExisting || !this.states.has(d.key));
    for (const dataset of wanted.values()) this.states.set(dataset.key, dataset);
    this.discovering = false;
    this.log.info(`Datasets: ${[...wanted.keys()].join(', ') || 'none'}`);
    this.changed.fire();
    await Promise.all(toLoad.map((d) => this.reload(d, 'user')));
  }

  /** Adds a folder picked by the user and loads it; the returned state says whether it loaded. */
  async open(uri: vscode.Uri): Promise<DatasetState> {
    let dataset = this.get(uri);
    if (!dataset) {
      dataset = new DatasetState(uri, 'opened');
      this.states.set(dataset.key, dataset);
      const opened = this.memento.get<string[]>(OPENED_KEY, []);
      if (!opened.includes(dataset.key)) await this.memento.update(OPENED_KEY, [...opened, dataset.key]);
    }
    await this.reload(dataset, 'user');
    return dataset;
  }

  /** Takes a dataset added with "Open Dataset…" out of the view; false for one found in the workspace. */
  async close(dataset: DatasetState): Promise<boolean> {
    if (dataset.source !== 'opened') return false;
    await this.memento.update(
      OPENED_KEY,
      this.memento.get<string[]>(OPENED_KEY, []).filter((key) => key !== dataset.key),
    );
    this.remove(dataset.key);
    this.changed.fire();
    return true;
  }

  /** Re-indexes a dataset, re-creates its watcher (folders may have changed) and starts validation. */
  reload(dataset: DatasetState, trigger: Trigger, changed: vscode.Uri[] = []): Promise<void> {
    return this.track(this.reloadNow(dataset, trigger, changed));
  }

  private async reloadNow(dataset: DatasetState, trigger: Trigger, changed: vscode.Uri[]): Promise<void> {
    const generation = (this.generations.get(dataset.key) ?? 0) + 1;
    this.generations.set(dataset.key, generation);
    this.unvalidated.set(dataset.key, [...(this.unvalidated.get(dataset.key) ?? []), ...changed]);
    this.aborts.get(dataset.key)?.abort();
    const abort = new AbortController();
    this.aborts.set(dataset.key, abort);
    dataset.loading = true;
    this.changed.fire();
    const started = Date.now();
    try {
      const index = await loadDataset(dataset.fs, dataset.uri.path);
      if (this.generations.get(dataset.key) !== generation) return;
      dataset.index = index;
      dataset.error = undefined;
      this.log.info(`Indexed ${dataset.uri.toString()}: ${index.images.length} images, ${index.problems.length} problems (${Date.now() - started} ms)`);
    } catch (error) {
      if (this.generations.get(dataset.key) !== generation) return;
      dataset.index = undefined;
      // The file at fault, when it is not the dataset folder itself (a tree click opens it).
      const file = error instanceof DataError && error.path !== dataset.uri.path ? dataset.resolve(error.path) : undefined;
      dataset.error = { message: errorMessage(error), file };
      this.log.error(`Cannot read dataset ${dataset.uri.toString()}: ${errorMessage(error)}`);
      if (trigger === 'user') void vscode.window.showErrorMessage(vscode.l10n.t('SegLab: {0}', dataset.error.message));
    } finally {
      if (this.generations.get(dataset.key) === generation) {
        dataset.loading = false;
        this.rewatch(dataset);
        this.changed.fire();
      }
    }
    const index = dataset.index;
    if (index && this.generations.get(dataset.key) === generation) {
      const files = this.unvalidated.get(dataset.key) ?? [];
      this.unvalidated.delete(dataset.key);
      await this.validate(dataset, index, { trigger, changed: files, signal: abort.signal });
      if (this.generations.get(dataset.key) === generation) this.changed.fire();
    }
  }

  /**
   * A new watcher only when the watched folders changed, so events pending in the old one are not
   * lost. The old one keeps watching for WATCHER_HANDOVER_MS: a new watcher takes a moment to
   * start, and a change made meanwhile (a broken seglab.json fixed at once) would go unseen.
   */
  private rewatch(dataset: DatasetState): void {
    const glob = watchGlob(dataset);
    const current = this.watchers.get(dataset.key);
    if (current?.glob === glob) return;
    current?.previous?.dispose();
    const previous = current && retireLater(current.watcher);
    const watcher = watchDataset(dataset, glob, (uris) => {
      this.log.info(`${uris.length} file(s) changed in ${dataset.uri.toString()}`);
      void this.reload(dataset, 'watcher', uris);
    });
    this.watchers.set(dataset.key, { glob, watcher, previous });
  }

  private remove(key: string): void {
    this.watchers.get(key)?.watcher.dispose();
    this.watchers.get(key)?.previous?.dispose();
    this.watchers.delete(key);
    this.aborts.get(key)?.abort();
    this.aborts.delete(key);
    this.unvalidated.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    this.states.delete(key);
  }

  dispose(): void {
    for (const key of [...this.states.keys()]) this.remove(key);
    this.changed.dispose();
  }
}

const WATCHER_HANDOVER_MS = 5000;

/** Disposes `watcher` after WATCHER_HANDOVER_MS, or at once when the returned disposable is. */
function retireLater(watcher: vscode.Disposable): vscode.Disposable {
  const timer = setTimeout(() => watcher.dispose(), WATCHER_HANDOVER_MS);
  return new vscode.Disposable(() => {
    clearTimeout(timer);
    watcher.dispose();
  });
}
