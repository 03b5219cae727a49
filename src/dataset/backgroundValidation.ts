import * as vscode from 'vscode';
import type { DatasetIndex, ImageEntry } from '../core/dataset/types';
import { validateDataset } from '../core/dataset/validate';
import { errorMessage, type Problem } from '../core/errors';
import type { ValidationRequest } from './datasetRegistry';
import { DATASET_VIEW } from './datasetTree';
import type { DatasetState } from './datasetState';

/** Masks checked between two saves of the results. */
const CHUNK = 500;
/** Below this many masks to check, progress shows in the view only; above, as a cancellable notification. */
const NOTIFY_FROM = 200;

/** What checking one mask found, and the files it depends on (so a change to either re-checks it). */
interface CachedResult {
  image: string;
  problems: Problem[];
}

/** Per dataset: results keyed by mask URI, valid for one config. */
const caches = new WeakMap<DatasetState, { config: string; results: Map<string, CachedResult> }>();
/** Datasets whose full check the user cancelled: until their next refresh, only changed masks are checked. */
const declined = new WeakSet<DatasetState>();

/**
 * Decodes the dataset's masks after indexing, without blocking the tree: entries with a broken
 * mask become 'invalid' and their problems are added to the index. Never throws. When the user
 * cancels, the masks checked so far keep their result; a newer load of the dataset reuses them.
 */
export async function validateInBackground(
  dataset: DatasetState,
  index: DatasetIndex,
  request: ValidationRequest,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const changed = new Set(request.changed.map((uri) => uri.toString()));
  const results = resultsFor(dataset, index, request.trigger, changed);
  const maskUri = (entry: ImageEntry) => dataset.resolve(entry.mask ?? '').toString();
  if (request.trigger === 'user') declined.delete(dataset);
  const todo = index.images.filter(
    (entry) => entry.mask !== undefined && !results.has(maskUri(entry)) && (!declined.has(dataset) || changed.has(maskUri(entry))),
  );
  if (todo.length > 0) {
    const started = Date.now();
    try {
      // In chunks, each recorded as it completes, so a load that supersedes this one (files keep
      // changing while a model writes predictions) resumes where it stopped instead of restarting.
      await withProgress(dataset, todo.length, request.signal, async (onProgress, signal) => {
        for (let start = 0; start < todo.length; start += CHUNK) {
          const chunk = todo.slice(start, start + CHUNK);
          const found = await validateDataset(
            dataset.fs,
            { ...index, images: chunk, problems: [] },
            {
              onProgress: (done) => onProgress(start + done, todo.length),
              signal,
            },
          );
          recordResults(dataset, index, chunk, found, results);
        }
      });
      log.info(`Checked ${todo.length} masks of ${dataset.uri.toString()} in ${Date.now() - started} ms`);
    } catch (error) {
      if (request.signal.aborted) return; // a newer load of the dataset takes over
      if (error instanceof Error && error.name === 'AbortError') {
        declined.add(dataset);
        log.info(`Checking masks of ${dataset.uri.toString()} was cancelled; the masks checked so far keep their status`);
      } else {
        log.error(`Checking masks of ${dataset.uri.toString()} failed: ${errorMessage(error)}`);
      }
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
function resultsFor(dataset: DatasetState, index: DatasetIndex, trigger: ValidationRequest['trigger'], changed: Set<string>): Map<string, CachedResult> {
  const config = JSON.stringify(index.config);
  let cache = caches.get(dataset);
  if (!cache || cache.config !== config || trigger === 'user') {
    cache = { config, results: new Map() };
    caches.set(dataset, cache);
  }
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
