/** "Select Model", "Pre-label Dataset" and "Accept Prediction as Label". */
import * as vscode from 'vscode';
import { errorDetail, errorMessage } from '../core/errors';
import { cardPathFor, type LoadedModel } from '../core/model/load';
import { prelabelDataset } from '../core/model/prelabelDataset';
import { baseName, dirName, joinPath, stemOf } from '../core/paths';
import { pickDataset } from '../commands/pickDataset';
import { defaultWorkers, PrelabelPool } from '../node/prelabelPool';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetState } from '../dataset/datasetState';
import { isImageNode, type ImageNode, type TreeNode } from '../dataset/treeNodes';
import { prelabelOnBackend } from '../training/remotePrelabel';
import { backendUrl, clientFor, getToken, requireTrust } from '../training/settings';
import { hostBackend, loadForDataset } from './hostModel';
import type { ModelEntry, ModelRegistry, PromptableEntry } from './modelRegistry';
import { backendProgressMessage, withCancellableProgress } from '../progress';

/**
 * "Select Model": pre-labeling models and, in their own section, promptable (Smart Select) models;
 * each kind has its own active model. Returns the pre-labeling model chosen (undefined when none
 * was, or a Smart Select model was).
 */
export async function selectModel(models: ModelRegistry): Promise<ModelEntry | undefined> {
  const [all, promptable, smart] = await Promise.all([models.list(), models.listPromptable(), models.activePromptable()]);
  if (all.length === 0 && promptable.length === 0) {
    const add = vscode.l10n.t('Add Model…');
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('No models found in the datasets\' models/ folders or the folders of the "seglab.models" setting.'),
      add,
    );
    if (choice === add) await vscode.commands.executeCommand('seglab.addModel');
    return undefined;
  }
  const active = models.activeUri?.toString();
  const activeTag = (yes: boolean) => (yes ? ` · ${vscode.l10n.t('active')}` : '');
  const section = (label: string): vscode.QuickPickItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  type Item = vscode.QuickPickItem & { model?: ModelEntry; promptable?: PromptableEntry };
  const items: Item[] = [
    section(vscode.l10n.t('Pre-labeling')),
    ...all.map((m) => ({
      label: m.name,
      description: `${m.dataset ? m.dataset.name : vscode.l10n.t('setting')}${m.hasCard ? '' : ` · ${vscode.l10n.t('no card: defaults')}`}${activeTag(m.uri.toString() === active)}`,
      detail: m.uri.fsPath,
      model: m,
    })),
  ];
  if (promptable.length > 0) {
    items.push(
      section(vscode.l10n.t('Smart Select (promptable)')),
      ...promptable.map((m) => ({
        label: m.name,
        description: `${m.dataset ? m.dataset.name : vscode.l10n.t('setting')} · ${m.card.family}${activeTag(m.uri.toString() === smart?.uri.toString())}`,
        detail: m.uri.fsPath,
        promptable: m,
      })),
    );
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Model used for pre-labeling, or for Smart Select') });
  if (picked?.promptable) await models.setActivePromptable(picked.promptable);
  if (picked?.model) await models.setActive(picked.model);
  return picked?.model;
}

function formatSeconds(s: number): string {
  return s < 90 ? `${Math.ceil(s)} s` : `${Math.ceil(s / 60)} min`;
}

/** The answers of Pre-label Dataset's questions, when given as the command's second argument (tests, keybindings). */
export interface PrelabelDatasetArgs {
  onlyUnlabeled?: boolean;
  /** On this machine, or on the training backend (asked only when a backend token is stored). */
  where?: 'here' | 'backend';
}

export async function prelabelDatasetCommand(
  registry: DatasetRegistry,
  models: ModelRegistry,
  log: vscode.LogOutputChannel,
  secrets: vscode.SecretStorage,
  target?: TreeNode | vscode.Uri,
  args: PrelabelDatasetArgs = {},
): Promise<void> {
  const dataset = await pickDataset(registry, target, vscode.l10n.t('Dataset to pre-label'));
  if (!dataset?.index) return;
  const model = (await models.active()) ?? (await selectModel(models));
  if (!model) return;
  const unlabeled = dataset.index.images.filter((e) => !e.mask).length;
  const scope =
    args.onlyUnlabeled !== undefined
      ? { only: args.onlyUnlabeled }
      : await vscode.window.showQuickPick(
          [
            { label: vscode.l10n.t('Unlabeled images only'), description: vscode.l10n.t('{0} images', unlabeled), only: true },
            {
              label: vscode.l10n.t('All images'),
              description: vscode.l10n.t('{0} images; label masks are not changed', dataset.index.images.length),
              only: false,
            },
          ],
          { placeHolder: vscode.l10n.t('Pre-label with {0}: predictions go to {1}/{2}/', model.name, dataset.index.config.predictionsDir, model.name) },
        );
  if (!scope) return;
  const where = args.where ?? (await askWhere(secrets));
  if (where === 'backend') return prelabelRemotely(registry, dataset, model, scope.only, secrets, log);
  if (where !== 'here') return;
  const { loaded, pool } = await loadWithPool(model, dataset, log);
  try {
    const result = await withCancellableProgress(vscode.l10n.t('Pre-labeling {0} with {1}', dataset.name, loaded.model.name), async (signal, progress) => {
      let reported = 0;
      return prelabelDataset(dataset.fs, dataset.index!, loaded, {
        runner: pool?.prepare(loaded.model, dataset.index!.config),
        onlyUnlabeled: scope.only,
        signal,
        onProgress: ({ done, total, secondsLeft }) => {
          const increment = total > 0 ? ((done - reported) / total) * 100 : 0;
          reported = done;
          const left = secondsLeft === undefined ? '' : ` · ${vscode.l10n.t('{0} left', formatSeconds(secondsLeft))}`;
          progress.report({ increment, message: `${done}/${total}${left}` });
        },
      });
    });
    const perImage = result.written.length > 0 ? result.seconds / result.written.length : 0;
    if (result.written.length > 0) models.recordRun({ provider: loaded.backend.provider, secondsPerImage: perImage });
    for (const f of result.failed) log.error(`${f.path}: ${f.message}`);
    log.info(
      `Pre-label ${dataset.uri.fsPath} with ${model.uri.fsPath} (${loaded.backend.provider}): ${result.written.length} written, ${result.skipped.length} skipped, ${result.failed.length} failed, ${result.seconds.toFixed(1)} s${result.cancelled ? ', cancelled' : ''}`,
    );
    const summary = vscode.l10n.t(
      '{0}: {1} predictions written, {2} already up to date, {3} failed.',
      loaded.model.name,
      result.written.length,
      result.skipped.length,
      result.failed.length,
    );
    const defaults = loaded.model.defaults.length > 0 ? ` ${vscode.l10n.t('Defaults used (no complete card): {0}.', loaded.model.defaults.join('; '))}` : '';
    for (const w of result.warnings) log.warn(`${model.uri.fsPath}: ${w}`);
    const warnings = result.warnings.length > 0 ? ` ${vscode.l10n.t('Warning: {0}.', result.warnings.join('; '))}` : '';
    if (result.failed.length > 0 || warnings)
      void vscode.window.showWarningMessage(
        summary + warnings + defaults + (result.failed.length > 0 ? ' ' + vscode.l10n.t('See the SegLab output for the failed images.') : ''),
      );
    else void vscode.window.showInformationMessage((result.cancelled ? vscode.l10n.t('Cancelled. ') : '') + summary + defaults);
  } finally {
    await loaded.backend.release(); // the pool's, when there is one
    await registry.reload(dataset, 'user');
  }
}

/**
 * The model loaded for "Pre-label Dataset" with its worker pool (`seglab.prelabel.workers`; 0:
 * cores - 1), whose first worker is the session loadModel reads, so this thread holds none; one
 * session in this thread for one worker, or where the workers cannot start (onnxruntime-node
 * missing: hostBackend's WASM fallback), logged.
 */
async function loadWithPool(model: ModelEntry, dataset: DatasetState, log: vscode.LogOutputChannel): Promise<{ loaded: LoadedModel; pool?: PrelabelPool }> {
  const setting = vscode.workspace.getConfiguration('seglab.prelabel').get<number>('workers', 0);
  const workers = setting >= 1 ? Math.floor(setting) : defaultWorkers();
  if (workers <= 1) return { loaded: await loadForDataset(model, dataset, log) };
  let pool: PrelabelPool | undefined;
  const loaded = await loadForDataset(model, dataset, log, async (bytes, path) => {
    try {
      return (pool = await PrelabelPool.start(bytes, path, { workers })).backend;
    } catch (error) {
      log.warn(`${path}: ${errorMessage(error)}; pre-labeling with one session in the extension host`);
      return hostBackend(bytes, log);
    }
  });
  return { loaded, pool };
}

/** "Here" without asking when no training backend token is stored; undefined when the question is dismissed. */
export async function askWhere(secrets: vscode.SecretStorage, placeHolder = vscode.l10n.t('Where to pre-label')): Promise<'here' | 'backend' | undefined> {
  if (!(await getToken(secrets))) return 'here';
  const picked = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Here'), description: vscode.l10n.t('this machine, ONNX Runtime'), where: 'here' as const },
      { label: vscode.l10n.t('On the training backend'), description: backendUrl(), where: 'backend' as const },
    ],
    { placeHolder },
  );
  return picked?.where;
}

/** Pre-label Dataset on the training backend: the masks are written as they arrive; cancelling keeps them. */
async function prelabelRemotely(
  registry: DatasetRegistry,
  dataset: DatasetState,
  model: ModelEntry,
  onlyUnlabeled: boolean,
  secrets: vscode.SecretStorage,
  log: vscode.LogOutputChannel,
): Promise<void> {
  if (!requireTrust() || !dataset.index) return;
  const client = await clientFor(secrets);
  try {
    const result = await withCancellableProgress(
      vscode.l10n.t('Pre-labeling {0} with {1} on {2}', dataset.name, model.name, client.baseUrl),
      (signal, progress) =>
        prelabelOnBackend(
          dataset.fs,
          dataset.index!,
          client,
          { fs: model.fs, path: model.path, cardPath: cardPathFor(model.path) },
          { onlyUnlabeled, signal, onProgress: (p) => progress.report({ message: backendProgressMessage(p) }) },
        ),
    );
    for (const f of result.failed) log.error(`${f.path}: ${f.message}`);
    log.info(
      `Pre-label ${dataset.uri.fsPath} with ${model.uri.fsPath} on ${client.baseUrl} (job ${result.jobId}, ${result.state}): ${result.received.length} received`,
    );
    const summary = vscode.l10n.t('{0}: {1} predictions received from the training backend.', model.name, result.received.length);
    if (result.state === 'failed') void vscode.window.showErrorMessage(`${summary} ${result.error ?? ''}`);
    else void vscode.window.showInformationMessage((result.cancelled ? vscode.l10n.t('Cancelled. ') : '') + summary);
  } catch (error) {
    log.error(`Pre-label ${dataset.uri.fsPath} on ${client.baseUrl}: ${errorDetail(error)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('SegLab: pre-labeling on the training backend failed: {0}', errorDetail(error)));
  } finally {
    await registry.reload(dataset, 'user');
  }
}

/** The dataset and entry of a tree image node or an image file. */
function findImage(
  registry: DatasetRegistry,
  target: ImageNode | vscode.Uri | undefined,
): { dataset: DatasetState; node: Pick<ImageNode, 'entry'> } | undefined {
  if (isImageNode(target)) return { dataset: target.dataset, node: target };
  const uri = target ?? vscode.window.activeTextEditor?.document.uri ?? activeTabUri();
  if (!uri) return undefined;
  for (const dataset of registry.datasets) {
    const entry = dataset.index?.images.find((e) => dataset.resolve(e.image).toString() === uri.toString());
    if (entry) return { dataset, node: { entry } };
  }
  return undefined;
}

function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input && typeof input === 'object' && 'uri' in input && input.uri instanceof vscode.Uri ? input.uri : undefined;
}

/** Copies a prediction to the label mask of an image that has none: the one explicit way predictions become labels in bulk. */
export async function acceptPrediction(registry: DatasetRegistry, target?: ImageNode | vscode.Uri): Promise<void> {
  const found = findImage(registry, target);
  if (!found) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Select a dataset image (in the SegLab Dataset view or an open editor) that has a prediction.'));
    return;
  }
  const { dataset, node } = found;
  const { entry } = node;
  const index = dataset.index!;
  const maskPath = joinPath(index.root, index.config.masksDir, `${entry.stem}.png`);
  if (entry.mask || (await dataset.fs.stat(maskPath))) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('{0} already has a label mask; open it in the mask editor to apply a prediction as an edit.', baseName(entry.image)),
    );
    return;
  }
  if (entry.predictions.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no prediction; run "SegLab: Pre-label Dataset" first.', baseName(entry.image)));
    return;
  }
  const model =
    entry.predictions.length === 1
      ? entry.predictions[0]
      : await vscode.window.showQuickPick(entry.predictions, { placeHolder: vscode.l10n.t('Prediction to accept as the label of {0}', stemOf(entry.image)) });
  if (!model) return;
  const source = joinPath(index.root, index.config.predictionsDir, model, `${entry.stem}.png`);
  await dataset.fs.createDirectory(dirName(maskPath));
  await dataset.fs.writeFileAtomic(maskPath, await dataset.fs.readFile(source));
  await registry.reload(dataset, 'user');
  void vscode.window.showInformationMessage(vscode.l10n.t('Prediction of {0} saved as the label mask of {1}.', model, baseName(entry.image)));
}
