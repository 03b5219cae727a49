import * as vscode from 'vscode';
import { baseName } from '../core/paths';
import type { DatasetState } from './datasetState';

/** Bursts of file events (a copy of many images) become one refresh... */
export const DEBOUNCE_MS = 300;
/** ...but a long burst (a model writing predictions) still refreshes this often. */
export const MAX_WAIT_MS = 2000;

/**
 * Watches what a dataset's index is built from: the top-level entries (seglab.json,
 * labelmap.txt, folders appearing), the images, masks and predictions folders and the split
 * files, and calls `onChange` once per burst with the files that changed.
 */
export function watchDataset(dataset: DatasetState, glob: string, onChange: (changed: vscode.Uri[]) => void): vscode.Disposable {
  return watch(new vscode.RelativePattern(dataset.uri, glob), onChange);
}

/** Dataset roots appearing or disappearing in the workspace (a new seglab.json or labelmap.txt, a folder added). */
export function watchWorkspaceForDatasets(onChange: () => void): vscode.Disposable {
  return vscode.Disposable.from(
    watch('**/{seglab.json,labelmap.txt}', onChange, { ignoreChanges: true }),
    vscode.workspace.onDidChangeWorkspaceFolders(onChange),
  );
}

function watch(pattern: vscode.GlobPattern, onChange: (changed: vscode.Uri[]) => void, options = { ignoreChanges: false }): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(pattern, false, options.ignoreChanges, false);
  const changed = new Map<string, vscode.Uri>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let burstStart = 0;
  const onEvent = (uri: vscode.Uri): void => {
    // Hidden files are never indexed; atomic writes go through hidden temporary files.
    if (baseName(uri.path).startsWith('.')) return;
    changed.set(uri.toString(), uri);
    if (!timer) burstStart = Date.now();
    else if (Date.now() - burstStart >= MAX_WAIT_MS)
      return; // let the pending refresh fire
    else clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const uris = [...changed.values()];
      changed.clear();
      onChange(uris);
    }, DEBOUNCE_MS);
  };
  return vscode.Disposable.from(watcher, watcher.onDidCreate(onEvent), watcher.onDidChange(onEvent), watcher.onDidDelete(onEvent), {
    dispose: () => timer && clearTimeout(timer),
  });
}

const GLOB_SPECIAL = /[{}[\],*?]/;

/** The glob, relative to the dataset folder; a new glob means a new watcher. */
export function watchGlob(dataset: DatasetState): string {
  const config = dataset.index?.config;
  if (!config) return '*';
  const folders = [config.imagesDir, config.masksDir, config.predictionsDir, 'ImageSets'];
  const files = Object.values(config.splits);
  if ([...folders, ...files].some((p) => GLOB_SPECIAL.test(p))) return '**/*';
  return `{*,${folders.map((f) => `${f}/**`).join(',')},${files.join(',')}}`.replace(/,}$/, '}');
}
