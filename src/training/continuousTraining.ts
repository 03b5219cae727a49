/**
 * "Train as you label" (setting `seglab.training.continuous`, trusted workspaces only): counts the
 * masks saved in the mask editor since the active model became active; after
 * `seglab.training.continuousEvery` of them, runs a round (continuousRound.ts) from the active
 * model on the configured backend, one at a time and never beside a job the person started, and
 * activates the new model only when SegLab's val mIoU says it is better. The status bar shows the
 * loop's state, the SegLab log each round; the rules are core/training/continuous.ts.
 */
import * as vscode from 'vscode';
import { blocksRound, roundMinutes, shouldStart } from '../core/training/continuous';
import { cpuOnly, formatDuration } from '../core/training/runTime';
import { errorMessage } from '../core/errors';
import { readCard } from '../core/model/load';
import { modelMiou } from '../core/model/modelMiou';
import { prelabelDataset } from '../core/model/prelabelDataset';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetState } from '../dataset/datasetState';
import { loadForDataset } from '../prelabel/hostModel';
import type { ModelEntry, ModelRegistry } from '../prelabel/modelRegistry';
import type { TrainingClient } from './client';
import { runRound, type RoundResult } from './continuousRound';
import { clientFor } from './settings';
import type { TrainingRuns } from './trainingRuns';
import { withCancellableProgress } from '../progress';

/** workspaceState: masks saved since the active model became active or the last round started. */
const SAVES_KEY = 'seglab.training.continuousSaves';
/** workspaceState: models the loop has activated in this workspace (the status bar's "model vN"). */
const VERSION_KEY = 'seglab.training.continuousVersion';

export class ContinuousTraining implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('seglab.continuous', vscode.StatusBarAlignment.Left, 49);
  private readonly subscriptions: vscode.Disposable[];
  /** A round is running: one at a time. */
  private busy = false;
  /** Saves are considered one after another, so two saves cannot start two rounds. */
  private considering: Promise<void> = Promise.resolve();
  private readonly loopJobs = new Set<string>();
  /** The last round started, settled when it has ended (the extension tests wait for it). */
  lastRound?: Promise<RoundResult | undefined>;

  constructor(
    private readonly registry: DatasetRegistry,
    private readonly models: ModelRegistry,
    onDidSaveMask: vscode.Event<{ rootUri: vscode.Uri }>,
    private readonly secrets: vscode.SecretStorage,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    private readonly runs: TrainingRuns,
  ) {
    this.status.name = vscode.l10n.t('SegLab Train as You Label');
    this.subscriptions = [
      onDidSaveMask((document) => void this.countSave(document.rootUri)),
      models.onDidChangeActive(() => void this.memento.update(SAVES_KEY, 0).then(() => this.showCount())),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('seglab.training') && this.showCount()),
    ];
    this.showCount();
  }

  private get settings(): { enabled: boolean; every: number; minutes: number | null } {
    const config = vscode.workspace.getConfiguration('seglab.training');
    return {
      enabled: vscode.workspace.isTrusted && config.get<boolean>('continuous', false),
      every: Math.max(1, config.get<number>('continuousEvery', 10)),
      minutes: config.get<number | null>('continuousMinutes', null),
    };
  }

  /** The status bar item's text and tooltip (the extension tests read the loop's state here). */
  get statusText(): string {
    return this.status.text;
  }

  private get saves(): number {
    return this.memento.get<number>(SAVES_KEY, 0);
  }

  /** A mask of the dataset at `root` was saved: counts it and starts a round when the rule says so. */
  async countSave(root: vscode.Uri): Promise<void> {
    if (!this.settings.enabled) return;
    await this.memento.update(SAVES_KEY, this.saves + 1);
    this.showCount();
    const dataset = this.registry.datasets.find((d) => d.uri.toString() === root.toString());
    if (dataset) this.considering = this.considering.then(() => this.maybeStart(dataset));
    await this.considering;
  }

  /** Starts a round when the rule says so; asks the backend for its jobs only once enough masks were saved. */
  private async maybeStart(dataset: DatasetState): Promise<void> {
    try {
      const active = await this.models.active();
      const inputs = { ...this.settings, saves: this.saves, roundRunning: this.busy, userJobRunning: false, hasActiveModel: active !== undefined };
      let decision = shouldStart(inputs);
      const client = await clientFor(this.secrets);
      if (decision.start) decision = shouldStart({ ...inputs, userJobRunning: (await client.jobs()).some((j) => blocksRound(j, this.loopJobs)) });
      if (!decision.start || !active) {
        if (inputs.saves >= inputs.every) this.log.info(`train as you label: waiting (${decision.start ? 'no active model' : decision.reason})`);
        return;
      }
      const minutes = roundMinutes(this.settings.minutes, cpuOnly((await client.health()).devices));
      this.busy = true;
      this.lastRound = this.round(client, dataset, active, minutes).finally(() => {
        this.busy = false;
      });
    } catch (error) {
      this.log.warn(`train as you label: ${errorMessage(error)}`);
      this.show('$(warning)', vscode.l10n.t('not started'), errorMessage(error));
    }
  }

  private async round(client: TrainingClient, dataset: DatasetState, active: ModelEntry, minutes: number): Promise<RoundResult | undefined> {
    const index = dataset.index;
    const card = await readCard(active.fs, active.path).catch(() => undefined);
    if (!index || !card) {
      this.log.warn(`train as you label: ${index ? `${active.name} has no readable model card, so it cannot be fine-tuned` : `${dataset.name} is not loaded`}`);
      return undefined;
    }
    const saves = this.saves;
    await this.memento.update(SAVES_KEY, 0);
    this.log.info(`train as you label: round from ${active.name} on ${dataset.name} after ${saves} saved masks, ${minutes} minutes at most`);
    this.show('$(sync~spin)', vscode.l10n.t('training…'), vscode.l10n.t('Fine-tuning {0} on the labels saved so far', active.name));
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    try {
      let jobId = '';
      const result = await runRound({
        client,
        fs: dataset.fs,
        index,
        active: { name: active.name, card: card.card },
        modelName: `${dataset.name}-auto-${stamp}`,
        minutes,
        measure: (model, val) => this.measure(model ? dataset.resolve(model.onnxPath) : active.uri, dataset, val),
        hooks: {
          log: (line) => this.log.info(`train as you label: ${line}`),
          onJob: (job) => {
            jobId = job.id;
            this.loopJobs.add(job.id);
            this.runs.start(job);
          },
          onEvent: (e, clock) => {
            this.runs.event(jobId, e);
            const left = clock.secondsLeft();
            if (left !== undefined) this.show('$(sync~spin)', vscode.l10n.t('training… {0} left', formatDuration(left)), active.name);
          },
        },
      });
      this.runs.end(result.job);
      await this.report(result);
      if (result.model && result.verdict?.activate) {
        const uri = dataset.resolve(result.model.onnxPath).toString();
        const entry = (await this.models.list()).find((m) => m.uri.toString() === uri);
        if (entry) {
          await this.models.setActive(entry);
          await this.refreshPredictions(dataset, entry);
        }
      }
      return result;
    } catch (error) {
      this.log.error(`train as you label: the round from ${active.name} failed: ${errorMessage(error)}`);
      this.show('$(warning)', vscode.l10n.t('round failed'), errorMessage(error));
      return undefined;
    }
  }

  /** The newly active model's predictions of the unlabeled images, in a cancellable notification. */
  private async refreshPredictions(dataset: DatasetState, model: ModelEntry): Promise<void> {
    const index = dataset.index;
    if (!index) return;
    const loaded = await loadForDataset(model, dataset, this.log);
    try {
      const result = await withCancellableProgress(
        vscode.l10n.t('Pre-labeling the unlabeled images of {0} with {1}', dataset.name, model.name),
        (signal, progress) =>
          prelabelDataset(dataset.fs, index, loaded, {
            onlyUnlabeled: true,
            signal,
            onProgress: ({ done, total }) => progress.report({ message: `${done}/${total}` }),
          }),
      );
      this.log.info(
        `train as you label: ${model.name} pre-labeled ${result.written.length} unlabeled images, ${result.failed.length} failed${result.cancelled ? ', cancelled' : ''}`,
      );
    } finally {
      await loaded.backend.release();
      await this.registry.reload(dataset, 'user');
    }
  }

  /** SegLab's val mIoU of the model at `uri`, loaded as pre-labeling loads it. */
  private async measure(uri: vscode.Uri, dataset: DatasetState, val: Parameters<typeof modelMiou>[2]): Promise<number | null> {
    const model = (await this.models.list()).find((m) => m.uri.toString() === uri.toString());
    if (!model || !dataset.index) throw new Error(`${uri.fsPath}: not among the models of the datasets`);
    const loaded = await loadForDataset(model, dataset, this.log);
    try {
      return await modelMiou(dataset.fs, dataset.index, val, loaded);
    } finally {
      await loaded.backend.release();
    }
  }

  private async report(result: RoundResult): Promise<void> {
    const { job, model, verdict } = result;
    if (!model || !verdict) {
      this.log.warn(`train as you label: job ${job.id} ${job.state}${job.error ? ` (${job.error})` : ''}`);
      this.show('$(warning)', vscode.l10n.t('job {0}', job.state), job.error ?? job.state);
      return;
    }
    this.log.info(`train as you label: ${verdict.activate ? 'activated' : 'kept, not activated'}: ${verdict.reason}`);
    // Two decimals as mIoU is usually read, three when the change is smaller than that.
    const delta =
      verdict.delta === undefined ? '' : ` · ${verdict.delta >= 0 ? '+' : ''}${verdict.delta.toFixed(Math.abs(verdict.delta) >= 0.01 ? 2 : 3)} mIoU`;
    if (verdict.activate) {
      const version = this.memento.get<number>(VERSION_KEY, 0) + 1;
      await this.memento.update(VERSION_KEY, version);
      this.show('$(pass)', vscode.l10n.t('model v{0}{1}', version, delta), `${model.name}: ${verdict.reason}`);
    } else this.show('$(circle-slash)', vscode.l10n.t('not used{0}', delta), vscode.l10n.t('{0} was kept, not activated: {1}', model.name, verdict.reason));
  }

  private showCount(): void {
    if (!this.settings.enabled) return this.status.hide();
    if (this.busy) return;
    this.show(
      '$(sync)',
      `${this.saves}/${this.settings.every}`,
      vscode.l10n.t('Train as you label: a round starts after {0} saved masks', this.settings.every),
    );
  }

  private show(icon: string, text: string, tooltip: string): void {
    this.status.text = `${icon} ${text}`;
    this.status.tooltip = tooltip;
    this.status.show();
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.status.dispose();
  }
}
