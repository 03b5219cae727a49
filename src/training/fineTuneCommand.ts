/**
 * "SegLab: Fine-tune Model…": asks architecture, budget (5 minutes / 20 minutes / 1 hour / a number
 * of epochs) and crop size, saying which device of the backend will train; runs fineTune.ts's steps
 * in a cancellable progress notification (Cancel cancels the job on the backend) that shows the time
 * left once the job's pace is measured and warns of a CPU run that would take long; stores the
 * model in the dataset's models/, makes it active and offers to pre-label the rest. With
 * `seglab.training.alsoTrainClickModel` a second job then trains the Smart Select click model on the
 * same uploaded dataset, which becomes the Smart Select model.
 */
import * as vscode from 'vscode';
import { pickDataset } from '../commands/pickDataset';
import { reportFailure } from '../commands/safeCommand';
import { errorMessage } from '../core/errors';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetState } from '../dataset/datasetState';
import type { TreeNode } from '../dataset/treeNodes';
import { readCard } from '../core/model/load';
import { BUDGET_EPOCH_CAP, BUDGET_MINUTES, cpuOnly, describeDevices, formatDuration } from '../core/training/runTime';
import type { ModelRegistry } from '../prelabel/modelRegistry';
import { TrainingError, type JobParams, type JobRecord, type TrainingClient } from './client';
import { downloadClickModel, downloadModel } from './downloadModel';
import { clickJobParams, clickStart, sigmoidExport, startingPoint, submitJob, watchJob, type FineTuneHooks } from './fineTune';
import { alsoTrainClickModel, clientFor, exportSigmoid, requireTrust } from './settings';
import type { TrainingRuns } from './trainingRuns';

interface ArchChoice extends vscode.QuickPickItem {
  params: Partial<JobParams>;
}

const ARCHS: ArchChoice[] = [
  { label: 'DeepLabV3+ (ResNet-50)', params: { arch: 'deeplabv3plus', backbone: 'resnet50' } },
  { label: 'DeepLabV3+ (MobileNetV3-Large)', params: { arch: 'deeplabv3plus', backbone: 'mobilenet_v3_large' } },
  {
    label: 'DeepLabV3+ small (MobileNetV3-Large x0.75, 64 channels)',
    detail: 'About 7 MB: quick on a CPU and in the browser (the demo model)',
    params: { arch: 'deeplabv3plus', backbone: 'mobilenet_v3_large', widthMult: 0.75, reducedTail: true, asppChannels: 64, decoderChannels: 64 },
  },
  { label: 'U-Net', params: { arch: 'unet' } },
  { label: 'SegFormer (MiT-B0)', params: { arch: 'segformer' } },
  { label: 'FCN (ResNet-50)', params: { arch: 'fcn', backbone: 'resnet50' } },
  { label: 'DeepLabV3 (ResNet-50)', params: { arch: 'deeplabv3', backbone: 'resnet50' } },
];

/** The first choice continues from the active model when this backend trained it, else reuses its architecture. */
async function archChoices(client: TrainingClient, models: ModelRegistry | undefined): Promise<ArchChoice[]> {
  const active = await models?.active();
  const card = active?.hasCard ? (await readCard(active.fs, active.path).catch(() => undefined))?.card : undefined;
  const start = card && (await startingPoint(client, card));
  if (!active || !card || !start) return ARCHS;
  const first = start.params.initJob
    ? { label: vscode.l10n.t('Continue from {0}', active.name), description: vscode.l10n.t('active model, {0}', card.architecture), params: start.params }
    : {
        label: vscode.l10n.t('{0}, like {1}', card.architecture, active.name),
        description: vscode.l10n.t('new weights: this backend does not have that model'),
        params: start.params,
      };
  return [first, ...ARCHS];
}

/** A time budget (the run keeps its best epoch within it) or, with "Epochs…", a number of epochs. */
async function askBudget(devices: string, cpu: boolean): Promise<Pick<JobParams, 'epochs' | 'minutes'> | undefined> {
  const minutes = BUDGET_MINUTES.map((m) => ({
    label: m < 60 ? vscode.l10n.t('{0} minutes', m) : vscode.l10n.t('{0} hour', m / 60),
    description: m === BUDGET_MINUTES[0] && cpu ? vscode.l10n.t('suits a CPU') : undefined,
    budget: { epochs: BUDGET_EPOCH_CAP, minutes: m } as Pick<JobParams, 'epochs' | 'minutes'> | undefined,
  }));
  const epochsItem = { label: vscode.l10n.t('Epochs…'), description: vscode.l10n.t('a number of epochs, however long they take'), budget: undefined };
  const picked = await vscode.window.showQuickPick([...minutes, epochsItem], {
    placeHolder: vscode.l10n.t('Training budget: the best epoch within it is kept; the backend trains on {0}', devices),
  });
  if (!picked) return undefined;
  if (picked.budget) return picked.budget;
  const epochs = await vscode.window.showInputBox({
    prompt: vscode.l10n.t('Epochs (the backend trains on {0})', devices),
    value: '20',
    validateInput: (v) => (/^\d+$/.test(v) && +v >= 1 && +v <= 10000 ? undefined : vscode.l10n.t('A whole number from 1 to 10000')),
  });
  return epochs ? { epochs: Number(epochs) } : undefined;
}

async function askParams(client: TrainingClient, models: ModelRegistry | undefined): Promise<Omit<JobParams, 'dataset'> | undefined> {
  const health = await client.health();
  const devices = describeDevices(health.devices);
  const arch = await vscode.window.showQuickPick(await archChoices(client, models), {
    placeHolder: vscode.l10n.t('Architecture to fine-tune on {0}', devices),
  });
  if (!arch) return undefined;
  const budget = await askBudget(devices, cpuOnly(health.devices));
  if (!budget) return undefined;
  // Auto leaves the crop to the trainer, which sizes it from the training images (never upscaling small ones).
  const auto = { label: vscode.l10n.t('Auto'), description: vscode.l10n.t('from the training images (default)'), imageSize: undefined };
  const size = await vscode.window.showQuickPick(
    [auto, ...[256, 384, 512, 768, 1024].map((s) => ({ label: String(s), description: undefined, imageSize: s }))],
    {
      placeHolder: vscode.l10n.t('Training crop size (pixels)'),
    },
  );
  if (!size) return undefined;
  return { ...arch.params, ...budget, ...(size.imageSize ? { imageSize: size.imageSize } : {}) };
}

/**
 * Follows a job (or submits one first) in a cancellable notification; Cancel asks the backend to cancel it.
 * `title`: the notification's, which says which model trains when it is not just "SegLab training".
 */
export function followInProgress(
  client: TrainingClient,
  output: vscode.LogOutputChannel,
  runs: TrainingRuns,
  job: JobRecord | ((hooks: FineTuneHooks) => Promise<JobRecord>),
  title = vscode.l10n.t('SegLab training'),
): Thenable<JobRecord | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    let current: JobRecord | undefined = typeof job === 'function' ? undefined : job;
    // Before the job exists, Cancel stops the upload; after, it asks the backend to cancel and the
    // stream is followed until the job has stopped (the service ends it within ~10 s).
    const sub = token.onCancellationRequested(() => {
      if (!current) return controller.abort();
      progress.report({ message: vscode.l10n.t('Cancelling…') });
      void client.cancel(current.id).then(
        (j) => output.info(`job ${j.id}: cancel requested (${j.state})`),
        (e: unknown) => output.error(String(e)),
      );
    });
    // A CPU run given epochs rather than a time budget: warned about once, when its pace says it will take long.
    let warnedLong = false;
    const hooks: FineTuneHooks = {
      signal: controller.signal,
      log: (line) => output.info(line),
      onJob: (j) => {
        current = j;
        runs.start(j);
      },
      onEvent: (e, clock) => {
        if (current) runs.event(current.id, e);
        if (warnedLong || !current || !clock.longCpuRun()) return;
        warnedLong = true;
        void warnLongRun(client, output, current, clock.projectedSeconds() ?? 0);
      },
      // Messages only: the phases (packaging, upload, epochs) have no common scale for one bar.
      progress: (_phase, fraction, message) =>
        progress.report({ message: Number.isFinite(fraction) ? `${message} (${Math.round(fraction * 100)} %)` : message }),
    };
    try {
      if (typeof job !== 'function') hooks.onJob?.(job);
      const submitted = typeof job === 'function' ? await job(hooks) : job;
      if (controller.signal.aborted) return await client.cancel(submitted.id);
      const ended = await watchJob(client, submitted, hooks);
      runs.end(ended);
      return ended;
    } catch (error) {
      if (controller.signal.aborted && !current) return undefined; // cancelled before the job existed
      throw error;
    } finally {
      sub.dispose();
    }
  });
}

/** The measured pace says the run will take long on this CPU: offers to cancel it (a time budget or a GPU suits better). */
async function warnLongRun(client: TrainingClient, output: vscode.LogOutputChannel, job: JobRecord, projected: number): Promise<void> {
  output.warn(`job ${job.id}: at its measured pace the run takes about ${formatDuration(projected)} on the CPU`);
  const cancel = vscode.l10n.t('Cancel Job');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t(
      'SegLab: at its measured pace this training run takes about {0} on the CPU. Cancel it and fine-tune with a time budget (5 or 20 minutes), or on a backend with a GPU?',
      formatDuration(projected),
    ),
    cancel,
    vscode.l10n.t('Keep Training'),
  );
  if (choice === cancel) output.info(`job ${(await client.cancel(job.id)).id}: cancel requested after the long-run warning`);
}

/** A model installed into a dataset: what announceModel says of it. */
interface Installed {
  dataset: DatasetState;
  name: string;
  miou: unknown;
  active: boolean;
}

/** Downloads a succeeded job's model into the dataset and activates it. */
export async function installModel(
  client: TrainingClient,
  job: JobRecord,
  dataset: DatasetState,
  models: ModelRegistry | undefined,
  output: vscode.LogOutputChannel,
): Promise<Installed> {
  if (!dataset.index) throw new TrainingError(`${dataset.uri.fsPath}: the dataset is not loaded`);
  const stored = await downloadModel(client, job.id, dataset.fs, dataset.index.root, modelBaseName(job, dataset));
  output.info(`model stored as ${stored.onnxPath}`);
  const uri = dataset.resolve(stored.onnxPath).toString();
  const entry = models ? (await models.list()).find((m) => m.uri.toString() === uri) : undefined;
  let active: boolean;
  if (models && entry) {
    await models.setActive(entry);
    active = true;
  } else {
    // Without the model registry (see registerTraining) the user selects it; the command returns the pick.
    const picked = await vscode.commands.executeCommand<{ uri: vscode.Uri } | undefined>('seglab.selectModel');
    active = picked?.uri.toString() === uri;
  }
  return { dataset, name: stored.name, miou: job.metrics?.miou, active };
}

/** `<dataset>-<arch>[-clicks]-<finished, to the minute>`, made unique in models/ by downloadModel. */
function modelBaseName(job: JobRecord, dataset: DatasetState): string {
  const arch = String(job.params.arch ?? 'model');
  const stamp = (job.finishedAt ?? new Date().toISOString()).replace(/[-:]/g, '').slice(0, 13);
  return `${dataset.name}-${arch}${job.params.task === 'interactive' ? '-clicks' : ''}-${stamp}`;
}

/**
 * Says where the new model is (and `more`, the click model's sentence) and offers pre-labeling; the
 * offer is not awaited, so the command ends while the message stays.
 */
function announceModel({ dataset, name, miou, active }: Installed, more = ''): void {
  const prelabel = vscode.l10n.t('Pre-label unlabeled images now');
  const where = vscode.l10n.t('Model {0} (val mIoU {1}) is in {2}/models', name, typeof miou === 'number' ? miou.toFixed(3) : '?', dataset.name);
  const message = `${active ? vscode.l10n.t('{0} and active.', where) : `${where}.`}${more ? ` ${more}` : ''}`;
  void vscode.window.showInformationMessage(message, ...(active ? [prelabel] : [])).then(async (choice) => {
    if (choice === prelabel) await vscode.commands.executeCommand('seglab.prelabelDataset', dataset.uri);
  });
}

/**
 * The click model's job after the pre-labeling model's: on the dataset that job trained on (the same
 * upload, so the same split), continuing from the Smart Select model when this backend trained it,
 * stored in the dataset's models/ and made the Smart Select model. Answers the sentence for the final
 * message; a job that does not succeed, or any error, is reported here with its reason and answers
 * undefined (the pre-labeling model stays as installed).
 */
async function trainClickModel(
  client: TrainingClient,
  semantic: JobRecord,
  params: Omit<JobParams, 'dataset'>,
  dataset: DatasetState,
  models: ModelRegistry | undefined,
  output: vscode.LogOutputChannel,
  runs: TrainingRuns,
): Promise<string | undefined> {
  const failed = (reason: string) => {
    reportFailure(
      output,
      'training the click model',
      vscode.l10n.t('the click model was not trained: {0}. The new pre-labeling model stays installed.', reason),
    );
    return undefined;
  };
  try {
    const smart = await models?.activePromptable();
    const from =
      smart && (await clickStart(client, JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(smart.uri))) as Record<string, unknown>));
    const clickParams = { ...clickJobParams(params, from), dataset: semantic.dataset };
    const start = from ? `continuing from ${smart?.name ?? '?'}` : 'new weights';
    output.info(`training the click model (Smart Select) on the same dataset, ${start}: ${JSON.stringify(clickParams)}`);
    const created = await client.createJob(clickParams);
    const job = await followInProgress(client, output, runs, created, vscode.l10n.t('SegLab training the click model (Smart Select)'));
    if (!job) return undefined;
    output.info(`job ${job.id}: ${job.state}${job.error ? ` (${job.error})` : ''}`);
    if (job.state === 'failed') return failed(vscode.l10n.t('job {0} failed: {1}', job.id.slice(0, 8), job.error ?? 'no reason given'));
    if (job.state === 'cancelled') {
      void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: training job {0} was cancelled.', job.id.slice(0, 8)));
      return undefined;
    }
    if (job.state !== 'succeeded') return failed(vscode.l10n.t('job {0} is {1}', job.id.slice(0, 8), job.state));
    return await installClickModel(client, job, dataset, models, output);
  } catch (error) {
    return failed(errorMessage(error));
  }
}

/** Downloads a succeeded interactive job's click model into the dataset and makes it the Smart Select model; answers the sentence that says so. */
async function installClickModel(
  client: TrainingClient,
  job: JobRecord,
  dataset: DatasetState,
  models: ModelRegistry | undefined,
  output: vscode.LogOutputChannel,
): Promise<string> {
  if (!dataset.index) throw new TrainingError(`${dataset.uri.fsPath}: the dataset is not loaded`);
  const stored = await downloadClickModel(client, job.id, dataset.fs, dataset.index.root, modelBaseName(job, dataset));
  output.info(`click model stored as ${stored.onnxPath}`);
  const uri = dataset.resolve(stored.cardPath).toString();
  const entry = models && (await models.listPromptable()).find((m) => m.uri.toString() === uri);
  if (entry) await models.setActivePromptable(entry);
  return entry
    ? vscode.l10n.t('Smart Select model {0} is in {1}/models and selected.', stored.name, dataset.name)
    : vscode.l10n.t('Smart Select model {0} is in {1}/models.', stored.name, dataset.name);
}

/** With the click model, a time budget is shared: half for each job (with a number of epochs, each trains that many). */
const sharedBudget = <P extends Pick<JobParams, 'minutes'>>(p: P): P => (p.minutes ? { ...p, minutes: p.minutes / 2 } : p);

/** The answers to Fine-tune Model…'s questions, when given as the command's second argument (tests, keybindings). */
export interface FineTuneArgs {
  /** The job's parameters besides the dataset (architecture, budget, crop): the questions are not asked. */
  params?: Omit<JobParams, 'dataset' | 'task'>;
}

export async function fineTuneCommand(
  registry: DatasetRegistry,
  models: ModelRegistry | undefined,
  secrets: vscode.SecretStorage,
  output: vscode.LogOutputChannel,
  runs: TrainingRuns,
  target?: TreeNode | vscode.Uri,
  args: FineTuneArgs = {},
): Promise<void> {
  if (!requireTrust()) return;
  const dataset = await pickDataset(registry, target, vscode.l10n.t('Dataset to fine-tune on'));
  const index = dataset?.index;
  if (!dataset || !index) return;
  const labeled = index.images.filter((e) => e.mask).length;
  if (labeled === 0) throw new TrainingError(`${dataset.uri.fsPath}: no labeled images (images with a mask) to train on`);
  const sigmoid = sigmoidExport(index, exportSigmoid()); // before any question: a dataset it cannot apply to is refused
  const client = await clientFor(secrets);
  if (!(await checkBackend(client))) return;
  const asked = args.params ?? (await askParams(client, models));
  if (!asked) return;
  const clicks = alsoTrainClickModel();
  const params = { ...(clicks ? sharedBudget(asked) : asked), ...sigmoid };
  output.show(true);
  output.info(`fine-tuning on ${dataset.name} (${labeled} labeled images) at ${client.baseUrl}: ${JSON.stringify(params)}`);
  const title = clicks ? vscode.l10n.t('SegLab training the pre-labeling model') : undefined;
  const job = await followInProgress(client, output, runs, (hooks) => submitJob(client, dataset.fs, index, params, hooks), title);
  if (!job) return output.info('cancelled before the job was created');
  if (!clicks || job.state !== 'succeeded') return finish(client, job, dataset, models, output);
  output.info(`job ${job.id}: ${job.state}`);
  const installed = await installModel(client, job, dataset, models, output);
  announceModel(installed, await trainClickModel(client, job, params, dataset, models, output, runs));
}

/** Reachable and the token accepted, before any question; else an error offering the fix. */
async function checkBackend(client: TrainingClient): Promise<boolean> {
  try {
    await client.jobs();
    return true;
  } catch (error) {
    if (!(error instanceof TrainingError) || (error.status !== undefined && error.status !== 401)) throw error;
    const fix = error.status === 401 ? vscode.l10n.t('Set Token') : vscode.l10n.t('Start Local Training Backend');
    if ((await vscode.window.showErrorMessage(`SegLab: ${error.message}`, fix)) === fix) {
      await vscode.commands.executeCommand(error.status === 401 ? 'seglab.setTrainingToken' : 'seglab.startBackend');
    }
    return false;
  }
}

/** What to say (and do) once a followed job has ended or the user stopped following it. */
export async function finish(
  client: TrainingClient,
  job: JobRecord,
  dataset: DatasetState | undefined,
  models: ModelRegistry | undefined,
  output: vscode.LogOutputChannel,
): Promise<void> {
  output.info(`job ${job.id}: ${job.state}${job.error ? ` (${job.error})` : ''}`);
  if (job.state === 'succeeded') {
    // "Show Training Jobs" can install an interactive job's click model too.
    if (dataset && job.params.task === 'interactive') void vscode.window.showInformationMessage(await installClickModel(client, job, dataset, models, output));
    else if (dataset) announceModel(await installModel(client, job, dataset, models, output));
  } else if (job.state === 'failed') {
    void vscode.window.showErrorMessage(vscode.l10n.t('SegLab: training job {0} failed: {1}', job.id.slice(0, 8), job.error ?? 'no reason given'));
  } else if (job.state === 'cancelled') {
    void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: training job {0} was cancelled.', job.id.slice(0, 8)));
  } else {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('SegLab: job {0} is {1}; "SegLab: Show Training Jobs" follows it again.', job.id.slice(0, 8), job.state),
    );
  }
}
