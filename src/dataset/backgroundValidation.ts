import * as vscode from 'vscode';
import type { DatasetIndex, ImageEntry } from '../core/dataset/types';
import { validateDataset } from '../core/dataset/validate';
import type { Problem } from '../core/errors';
import { DATASET_VIEW } from './datasetTree';
import type { DatasetState } from './datasetState';

/** Below this many masks to check, progress shows in the view only; above, as a cancellable notification. */
const NOTIFY_FROM = 200;

export interface ValidationRequest {
  /** 'user': check every mask again; 'watcher': reuse earlier results for masks that did not change. */
  trigger: 'user' | 'watcher';
  /** Files the watcher reported since the previous load. */
  changed: readonly vscode.Uri[];
  /** Aborted when a newer load of the same dataset starts. */
  signal: AbortSignal;
}

/** What checking one mask found, and the files it depends on (so a change to either re-checks it). */
interface CachedResult {
  image: string;
  problems: Problem[];
}

/** Per dataset: results keyed by mask URI, valid for one config. */
const caches = new WeakMap<DatasetState, { config: string; results: Map<string, CachedResult> }>();

/**
 * Decodes the dataset's masks after indexing, without blocking the tree: entries with a broken
 * mask become 'invalid' and their problems are added to the index. Never throws; cancellation
 * (by the user or by a newer load) leaves the statuses the index gave.
 */
export async function validateInBackground(
  dataset: DatasetState,
  index: DatasetIndex,
  request: ValidationRequest,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const results = resultsFor(dataset, index, request);
  const maskUri = (entry: ImageEntry) => dataset.resolve(entry.mask ?? '').toString();
  const todo = index.images.filter((entry) => entry.mask !== undefined && !results.has(maskUri(entry)));
  if (todo.length > 0) {
    const started = Date.now();
    try {
      const found = await withProgress(dataset, todo.length, request.signal, (onProgress, signal) =>
        validateDataset(dataset.fs, { ...index, images: todo, problems: [] }, { onProgress, signal }),
      );
      recordResults(dataset, index, todo, found, results);
      log.info(`Checked ${todo.length} masks of ${dataset.uri.toString()} in ${Date.now() - started} ms: ${found.length} problems`);
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') log.info(`Checking masks of ${dataset.uri.toString()} was cancelled`);
      else log.error(`Checking masks of ${dataset.uri.toString()} failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
  }
  for (const entry of index.images) {
    const problems = entry.mask === undefined ? undefined : results.get(maskUri(entry))?.problems;
    if (!problems?.length) continue;
    entry.status = 'invalid';
    index.problems.push(...problems);
  }
}

/** The reusable results for this load: none after a user refresh or a config change; without the changed files otherwise. */
function resultsFor(dataset: DatasetState, index: DatasetIndex, request: ValidationRequest): Map<string, CachedResult> {
  const config = JSON.stringify(index.config);
  let cache = caches.get(dataset);
  if (!cache || cache.config !== config || request.trigger === 'user') {
    cache = { config, results: new Map() };
    caches.set(dataset, cache);
  }
  const changed = new Set(request.changed.map((uri) => uri.toString()));
  if (changed.size > 0) {
    for (const [mask, result] of cache.results) if (changed.has(mask) || changed.has(result.image)) cache.results.delete(mask);
  }
  return cache.results;
}

/** Files problems to the entry they belong to: core names the mask, or the image for an unreadable one. */
function recordResults(dataset: DatasetState, index: DatasetIndex, checked: ImageEntry[], found: Problem[], results: Map<string, CachedResult>) {
  const owner = new Map<string, CachedResult>();
  for (const entry of checked) {
    const result: CachedResult = { image: dataset.resolve(entry.image).toString(), problems: [] };
    const mask = dataset.resolve(entry.mask ?? '').toString();
    results.set(mask, result);
    owner.set(mask, result).set(result.image, result);
  }
  for (const problem of found) {
    const result = owner.get(dataset.resolve(problem.path).toString());
    if (result) result.problems.push(problem);
    else index.problems.push(problem);
  }
}

type Work<T> = (onProgress: (done: number, total: number) => void, signal: AbortSignal) => Promise<T>;

/** Non-blocking progress: in the Dataset view for small jobs, a cancellable notification for large ones. */
async function withProgress<T>(dataset: DatasetState, total: number, signal: AbortSignal, work: Work<T>): Promise<T> {
  const title = vscode.l10n.t('SegLab: checking {0} masks of {1}', total, dataset.name);
  const notify = total >= NOTIFY_FROM;
  const location = notify ? vscode.ProgressLocation.Notification : { viewId: DATASET_VIEW };
  dataset.validating = true;
  try {
    return await vscode.window.withProgress({ location, title, cancellable: notify }, async (progress, token) => {
      const abort = new AbortController();
      const onAbort = () => abort.abort();
      signal.addEventListener('abort', onAbort);
      const cancel = token.onCancellationRequested(onAbort);
      let reported = 0;
      try {
        return await work((done) => {
          const percent = Math.floor((100 * done) / total);
          if (percent > reported) progress.report({ increment: percent - reported, message: `${done}/${total}` });
          reported = Math.max(reported, percent);
        }, abort.signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
        cancel.dispose();
      }
    });
  } finally {
    dataset.validating = false;
  }
}
