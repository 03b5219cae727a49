/**
 * "SegLab: Prepare Smart Select for Dataset": runs the active Smart Select model's image encoder
 * on all or only the unlabeled images of a dataset ahead of labeling, so each image's first click
 * is as fast as the next. Embeddings go to the host's disk cache (HostEmbeddings: keyed by the
 * encoder's and the image's sha256, least recently used out past seglab.smartSelect.embeddingCacheMB);
 * cached images are skipped. Cancellable between images, with progress; the report counts the
 * images computed, already cached and failed (named). The encoder runs on native ONNX Runtime in
 * the extension host, or, when a training backend token is stored and the user picks it (Pre-label
 * Dataset's question), on the backend (remoteEmbeddings.ts: its GPU when it has one), whose
 * embeddings go to the disk cache as they arrive.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import { pickDataset } from '../commands/pickDataset';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { TreeNode } from '../dataset/treeNodes';
import { askWhere } from '../prelabel/prelabelCommands';
import type { ModelRegistry, PromptableEntry } from '../prelabel/modelRegistry';
import { embeddingsOnBackend } from '../training/remoteEmbeddings';
import { clientFor, requireTrust } from '../training/settings';
import type { DatasetState } from '../dataset/datasetState';
import type { ImageEntry } from '../core/dataset/types';
import type { HostEmbeddings } from './hostEmbeddings';
import { backendProgressMessage, withCancellableProgress } from '../progress';

/** The answers to the command's questions, for scripts and tests. */
export interface PrepareOptions {
  images?: 'all' | 'unlabeled';
  /** Here, or on the training backend (asked only when a backend token is stored). */
  where?: 'here' | 'backend';
  /** A script's own cancel (here), besides the notification's Cancel button: checked before each image like it. */
  token?: vscode.CancellationToken;
}

export interface PrepareReport {
  model: string;
  computed: number;
  cached: number;
  failed: Array<{ image: string; error: string }>;
  cancelled: boolean;
  /** The cache's folder (its <key>.emb files). */
  cacheFolder: string;
  /** Where the encoder ran: 'host', or the backend's URL with its job and ONNX Runtime provider. */
  ranOn: string;
}

export async function prepareSmartSelect(
  registry: DatasetRegistry,
  models: ModelRegistry,
  host: HostEmbeddings,
  log: vscode.LogOutputChannel,
  secrets: vscode.SecretStorage,
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
  const where = options.where ?? (await askWhere(secrets, vscode.l10n.t('Where to compute the embeddings')));
  if (where === 'backend') return prepareOnBackend(dataset, images, entry, host, log, secrets);
  if (where !== 'here') return undefined;
  const report: PrepareReport = {
    model: entry.name,
    computed: 0,
    cached: 0,
    failed: [],
    cancelled: false,
    cacheFolder: host.cacheFolder.fsPath,
    ranOn: 'host',
  };
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
        if (token.isCancellationRequested || options.token?.isCancellationRequested) {
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
          report.failed.push({ image: uri.fsPath, error: errorMessage(error) });
        }
      }
    },
  );
  log.info(
    `Prepare Smart Select ${dataset.uri.fsPath} with ${entry.uri.fsPath}: ${report.computed} computed, ${report.cached} already cached, ${report.failed.length} failed, ${((performance.now() - start) / 1000).toFixed(1)} s${report.cancelled ? ', cancelled' : ''}; cache ${report.cacheFolder}`,
  );
  return showReport(report, log);
}

/** The report as a notification: failures named, a cancel said. */
function showReport(report: PrepareReport, log: vscode.LogOutputChannel): PrepareReport {
  for (const f of report.failed) log.error(`Prepare Smart Select: ${f.image}: ${f.error}`);
  const summary = vscode.l10n.t(
    'Smart Select with {0}: {1} images computed, {2} already cached, {3} failed.',
    report.model,
    report.computed,
    report.cached,
    report.failed.length,
  );
  if (report.failed.length > 0)
    void vscode.window.showWarningMessage(`${summary} ${vscode.l10n.t('Failed: {0}', report.failed.map((f) => f.image).join(', '))}`);
  else void vscode.window.showInformationMessage((report.cancelled ? vscode.l10n.t('Cancelled. ') : '') + summary);
  return report;
}

/** Prepare on the training backend: the embeddings enter the disk cache as they arrive; cancelling keeps them. */
async function prepareOnBackend(
  dataset: DatasetState,
  images: ImageEntry[],
  entry: PromptableEntry,
  host: HostEmbeddings,
  log: vscode.LogOutputChannel,
  secrets: vscode.SecretStorage,
): Promise<PrepareReport | undefined> {
  if (!requireTrust() || !dataset.index || entry.card.family !== 'sam') return undefined;
  const model = await host.load(entry);
  if (!model.encoder) throw new Error(`${entry.uri.fsPath}: the encoder is not loaded`);
  const client = await clientFor(secrets);
  const encoder = {
    card: entry.card,
    cardBytes: await vscode.workspace.fs.readFile(entry.uri),
    encoderBytes: await vscode.workspace.fs.readFile(vscode.Uri.joinPath(entry.uri, '..', entry.card.encoder.file)),
    encoderSha256: model.encoderSha256,
    outputs: model.encoder.io.outputs,
  };
  const result = await withCancellableProgress(
    vscode.l10n.t('Preparing Smart Select on {0} with {1} on {2}', dataset.name, entry.name, client.baseUrl),
    async (signal, progress) =>
      embeddingsOnBackend(dataset.fs, dataset.index!, images, client, encoder, await host.diskSink(), {
        signal,
        onProgress: (p) => progress.report({ message: backendProgressMessage(p) }),
      }),
  );
  const ranOn = result.jobId ? `${client.baseUrl} (job ${result.jobId}, ${result.state}, ${result.provider ?? 'provider unknown'})` : 'nowhere (all cached)';
  log.info(
    `Prepare Smart Select ${dataset.uri.fsPath} with ${entry.uri.fsPath} on ${ranOn}: ${result.received.length} received, ${result.cached} already cached`,
  );
  if (result.state === 'failed') throw new Error(`the backend job ${result.jobId} failed: ${result.error ?? 'no reason given'}`);
  const failed = result.failed.map((f) => ({ image: f.path, error: f.message }));
  const report = { model: entry.name, computed: result.received.length, cached: result.cached, failed, cancelled: result.cancelled, ranOn };
  return showReport({ ...report, cacheFolder: host.cacheFolder.fsPath }, log);
}
