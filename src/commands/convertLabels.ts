import * as vscode from 'vscode';
import { readSource, writeTarget, type SourceFormat, type TargetFormat } from '../core/formats/formats';
import { indexSource, type LabelSource } from '../core/formats/source';
import type { ConvertResult } from '../core/formats/writeItems';
import { baseName, dirName } from '../core/paths';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetState } from '../dataset/datasetState';
import type { TreeNode } from '../dataset/treeNodes';
import { VscodeFileSystem } from '../dataset/vscodeFileSystem';
import { pickDataset } from './pickDataset';

/**
 * "Import Labels…" and "Export Labels…": the CLI's `seglab convert`, through the same core
 * readers and writers, with a cancellable progress notification and a summary. Imports become a
 * new plain dataset (seglab.json with the classes) that is opened in the tree; exports write a
 * new folder. Problems (undecodable masks, values that are no class) go to the log, counted in
 * the summary.
 */

interface FormatPick<F> extends vscode.QuickPickItem {
  format: F;
}

const IMPORTS = (): Array<FormatPick<Exclude<SourceFormat, 'native'>> & { folder: boolean }> => [
  { format: 'coco', folder: true, label: 'COCO', description: vscode.l10n.t('a folder with annotations/instances_*.json or stuff_*.json') },
  { format: 'labelstudio', folder: false, label: 'Label Studio', description: vscode.l10n.t('a JSON export (brush and polygon labels)') },
  { format: 'cityscapes', folder: true, label: 'Cityscapes', description: vscode.l10n.t('a folder with leftImg8bit/ and gtFine/') },
  { format: 'ade20k', folder: true, label: 'ADE20K SceneParsing', description: vscode.l10n.t('a folder with images/ and annotations/') },
];

const EXPORTS = (): Array<FormatPick<TargetFormat>> => [
  { format: 'coco', label: 'COCO', description: vscode.l10n.t('one RLE per class per image (stuff_<split>.json)') },
  { format: 'labelstudio', label: 'Label Studio', description: vscode.l10n.t('tasks.json with brush labels, labeling_config.xml') },
  { format: 'cityscapes', label: 'Cityscapes', description: '*_gtFine_labelTrainIds.png' },
  { format: 'voc', label: 'Pascal VOC', description: 'JPEGImages/, SegmentationClass/' },
  { format: 'cvat', label: 'CVAT', description: 'Segmentation mask 1.1' },
  { format: 'plain', label: vscode.l10n.t('Plain'), description: 'images/, masks/, seglab.json' },
];

/**
 * Answers given with the command (`executeCommand('seglab.importLabels', target, { format, source,
 * destination })`): each one given skips its question; without them the command asks.
 */
export interface ImportLabelsOptions {
  format?: Exclude<SourceFormat, 'native'>;
  /** The folder (COCO, Cityscapes, ADE20K) or JSON file (Label Studio) to import. */
  source?: vscode.Uri;
  /** The new dataset's folder: new or empty. */
  destination?: vscode.Uri;
}

/** `executeCommand('seglab.exportLabels', dataset, { format, destination })`: as ImportLabelsOptions. */
export interface ExportLabelsOptions {
  format?: TargetFormat;
  /** A new or empty folder. */
  destination?: vscode.Uri;
}

/** The options object passed with the command; anything else VS Code passes (a tree's selection: an array) is none. */
function given<O extends object>(options: O | undefined): O | Record<string, never> {
  return typeof options === 'object' && options !== null && !Array.isArray(options) ? options : {};
}

/** The format given with the command, or the person's pick. */
async function pickFormat<F, P extends FormatPick<F>>(picks: P[], given: F | undefined, placeHolder: string): Promise<P | undefined> {
  if (given === undefined) return vscode.window.showQuickPick(picks, { placeHolder });
  const pick = picks.find((p) => p.format === given);
  if (!pick) throw new Error(`unknown format "${String(given)}"; one of ${picks.map((p) => p.format).join(', ')}`);
  return pick;
}

/** A new folder for the result, chosen in a save dialog; it must not exist yet or be empty. */
async function askDestination(near: vscode.Uri, name: string, title: string): Promise<vscode.Uri | undefined> {
  return vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(near, name), title, saveLabel: vscode.l10n.t('Create Folder') });
}

async function run(
  title: string,
  log: vscode.LogOutputChannel,
  work: (onProgress: (done: number, total: number) => void, signal: AbortSignal) => Promise<ConvertResult>,
): Promise<ConvertResult | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    let reported = 0;
    const onProgress = (done: number, total: number) => {
      const percent = (100 * done) / total;
      progress.report({ increment: percent - reported, message: `${done} / ${total}` });
      reported = percent;
    };
    try {
      const result = await work(onProgress, abort.signal);
      for (const p of result.problems) log.warn(`${p.path}: ${p.kind}: ${p.message}`);
      return result;
    } catch (error) {
      if (abort.signal.aborted) {
        void vscode.window.showWarningMessage(vscode.l10n.t('SegLab: cancelled; the folder holds what was written until then.'));
        return undefined;
      }
      throw error;
    }
  });
}

function summary(result: ConvertResult, where: vscode.Uri): string {
  const what = vscode.l10n.t('{0} images and {1} masks in {2}', result.images, result.masks, where.scheme === 'file' ? where.fsPath : where.toString());
  return result.problems.length === 0 ? what : vscode.l10n.t('{0}; {1} problems, listed in the SegLab log', what, result.problems.length);
}

function sameFileSystem(a: vscode.Uri, b: vscode.Uri): void {
  if (a.scheme !== b.scheme || a.authority !== b.authority) {
    throw new Error(vscode.l10n.t('{0} and {1} are on different file systems; choose a destination beside the source', a.toString(), b.toString()));
  }
}

export async function importLabels(
  registry: DatasetRegistry,
  log: vscode.LogOutputChannel,
  target?: TreeNode | vscode.Uri,
  passed?: ImportLabelsOptions,
): Promise<DatasetState | undefined> {
  const options: ImportLabelsOptions = given(passed);
  const picked = await pickFormat(IMPORTS(), options.format, vscode.l10n.t('Format of the labels to import'));
  if (!picked) return undefined;
  const [src] = options.source
    ? [options.source]
    : ((await vscode.window.showOpenDialog({
        canSelectFolders: picked.folder,
        canSelectFiles: !picked.folder,
        filters: picked.folder ? undefined : { JSON: ['json'] },
        title: vscode.l10n.t('Import {0} labels', picked.label),
      })) ?? []);
  if (!src) return undefined;
  // Beside the dataset the command was run on, else beside the source.
  const near = target && !(target instanceof vscode.Uri) && 'dataset' in target ? target.dataset.uri : src;
  const dst =
    options.destination ??
    (await askDestination(vscode.Uri.joinPath(near, '..'), `${baseName(src.path).replace(/\.json$/i, '')}-seglab`, vscode.l10n.t('New dataset folder')));
  if (!dst) return undefined;
  sameFileSystem(src, dst);
  const fs = new VscodeFileSystem(src);
  const result = await run(vscode.l10n.t('Importing {0} labels', picked.label), log, async (onProgress, signal) => {
    const source = await readSource(fs, src.path, picked.format);
    return writeTarget(fs, source, dst.path, 'plain', { onProgress, signal });
  });
  if (!result) return undefined;
  log.info(`Imported ${src.toString()} (${picked.format}) into ${dst.toString()}`);
  const dataset = await registry.open(dst);
  void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: imported {0}.', summary(result, dst)));
  return dataset;
}

export async function exportLabels(
  registry: DatasetRegistry,
  log: vscode.LogOutputChannel,
  target?: TreeNode | vscode.Uri,
  passed?: ExportLabelsOptions,
): Promise<ConvertResult | undefined> {
  const options: ExportLabelsOptions = given(passed);
  const dataset = await pickDataset(registry, target, vscode.l10n.t('Dataset to export'));
  if (!dataset) return undefined;
  if (!dataset.index) {
    const reason = dataset.error?.message ?? vscode.l10n.t('it has not been read yet');
    void vscode.window.showErrorMessage(vscode.l10n.t('SegLab: cannot export {0}: {1}', dataset.name, reason));
    return undefined;
  }
  const picked = await pickFormat(EXPORTS(), options.format, vscode.l10n.t('Format to export {0} to', dataset.name));
  if (!picked) return undefined;
  const parent = dataset.uri.with({ path: dirName(dataset.uri.path) });
  const dst =
    options.destination ?? (await askDestination(parent, `${baseName(dataset.uri.path)}-${picked.format}`, vscode.l10n.t('New folder for the export')));
  if (!dst) return undefined;
  sameFileSystem(dataset.uri, dst);
  const source: LabelSource = indexSource(dataset.fs, dataset.index);
  const result = await run(vscode.l10n.t('Exporting {0} as {1}', dataset.name, picked.label), log, (onProgress, signal) =>
    writeTarget(dataset.fs, source, dst.path, picked.format, { onProgress, signal }),
  );
  if (!result) return undefined;
  log.info(`Exported ${dataset.uri.toString()} (${picked.format}) to ${dst.toString()}`);
  void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: exported {0}.', summary(result, dst)));
  return result;
}
