/**
 * "SegLab: Prepare Smart Select for Dataset": runs the active Smart Select model's image encoder
 * on all or only the unlabeled images of a dataset ahead of labeling, so each image's first click
 * is as fast as the next. Embeddings go to the host's disk cache (HostEmbeddings: keyed by the
 * encoder's and the image's sha256, least recently used out past seglab.smartSelect.embeddingCacheMB);
 * cached images are skipped. Cancellable between images, with progress; the report counts the
 * images computed, already cached and failed (named). The encoder runs on native ONNX Runtime in
 * the extension host (not on the training backend's GPU).
 */
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import { pickDataset } from '../commands/pickDataset';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { TreeNode } from '../dataset/treeNodes';
import type { ModelRegistry } from '../prelabel/modelRegistry';
import type { HostEmbeddings } from './hostEmbeddings';

/** The answers to the command's questions, for scripts and tests. */
export interface PrepareOptions {
  images?: 'all' | 'unlabeled';
}

export interface PrepareReport {
  model: string;
  computed: number;
  cached: number;
  failed: Array<{ image: string; error: string }>;
  cancelled: boolean;
  /** The cache's folder (its <key>.emb files). */
  cacheFolder: string;
}

export async function prepareSmartSelect(
  registry: DatasetRegistry,
  models: ModelRegistry,
  host: HostEmbeddings,
  log: vscode.LogOutputChannel,
  target?: TreeNode | vscode.Uri,
  options: PrepareOptions = {},
): Promise<PrepareReport | undefined> {
  const dataset = await pickDataset(registry, target, vscode.l10n.t('Dataset to prepare for Smart Select'));
  if (!dataset?.index) return undefined;
  const entry = await models.activePromptable();
  if (!entry) throw new Error('no Smart Select model: add a SAM encoder and decoder to a dataset with "SegLab: Add Model…" (both files together)');
  if (entry.card.family !== 'sam') throw new Error(`${entry.uri.fsPath}: "${entry.card.family}" models have no image encoder: there is nothing to prepare`);
  const all = dataset.index.images;
  const unlabeled = all.filter((e) => !e.mask);
  const scope =
    options.images ??
    (
      await vscode.window.showQuickPick(
        [
          { label: vscode.l10n.t('Unlabeled images only'), description: vscode.l10n.t('{0} images', unlabeled.length), value: 'unlabeled' as const },
          { label: vscode.l10n.t('All images'), description: vscode.l10n.t('{0} images', all.length), value: 'all' as const },
        ],
        { placeHolder: vscode.l10n.t('Images whose embeddings {0} computes now', entry.name) },
      )
    )?.value;
  if (!scope) return undefined;
  const images = scope === 'all' ? all : unlabeled;
  const report: PrepareReport = { model: entry.name, computed: 0, cached: 0, failed: [], cancelled: false, cacheFolder: host.cacheFolder.fsPath };
  const start = performance.now();
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Preparing Smart Select on {0} with {1}', dataset.name, entry.name),
      cancellable: true,
    },
    async (progress, token) => {
      const model = await host.load(entry);
      for (const [i, image] of images.entries()) {
        if (token.isCancellationRequested) {
          report.cancelled = true;
          break;
        }
        progress.report({ increment: 100 / images.length, message: `${i + 1}/${images.length} ${image.stem}` });
        const uri = dataset.resolve(image.image);
        try {
          const { source } = await host.embeddings(model, uri);
          if (source === 'encoder') report.computed++;
          else report.cached++;
        } catch (error) {
          log.error(`Prepare Smart Select: ${uri.fsPath}: ${errorMessage(error)}`);
          report.failed.push({ image: uri.fsPath, error: errorMessage(error) });
        }
      }
    },
  );
  log.info(
    `Prepare Smart Select ${dataset.uri.fsPath} with ${entry.uri.fsPath}: ${report.computed} computed, ${report.cached} already cached, ${report.failed.length} failed, ${((performance.now() - start) / 1000).toFixed(1)} s${report.cancelled ? ', cancelled' : ''}; cache ${report.cacheFolder}`,
  );
  const summary = vscode.l10n.t(
    'Smart Select with {0}: {1} images computed, {2} already cached, {3} failed.',
    entry.name,
    report.computed,
    report.cached,
    report.failed.length,
  );
  if (report.failed.length > 0)
    void vscode.window.showWarningMessage(`${summary} ${vscode.l10n.t('Failed: {0}', report.failed.map((f) => f.image).join(', '))}`);
  else void vscode.window.showInformationMessage((report.cancelled ? vscode.l10n.t('Cancelled. ') : '') + summary);
  return report;
}
