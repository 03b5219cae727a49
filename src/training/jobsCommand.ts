/**
 * "SegLab: Show Training Jobs": the backend's jobs, newest first, with state, epoch, val mIoU and
 * where they run; a running job can be followed or cancelled, a succeeded one installed, a
 * resumable one resumed.
 */
import * as vscode from 'vscode';
import { pickDataset } from '../commands/pickDataset';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { ModelRegistry } from '../prelabel/modelRegistry';
import type { JobRecord } from './client';
import { finish, followInProgress } from './fineTuneCommand';
import type { TrainingRuns } from './trainingRuns';
import { clientFor, requireTrust } from './settings';

const ICONS: Record<string, string> = { queued: 'clock', running: 'sync~spin', succeeded: 'pass', failed: 'error', cancelled: 'circle-slash' };

function executorText(job: JobRecord): string {
  const e = job.executor;
  if (!e) return job.device ?? '';
  if (e.kind === 'slurm')
    return `Slurm ${e.jobId ?? '?'}${e.state ? ` ${e.state}` : ''}${e.nodes?.length ? ` on ${e.nodes.join(',')}` : ''}${e.reason ? ` (${e.reason})` : ''}`;
  return `${e.kind}${job.device ? ` ${job.device}` : ''}`;
}

export function describeJob(job: JobRecord): vscode.QuickPickItem {
  const miou = job.metrics?.miou;
  const parts = [
    job.epochs ? `epoch ${job.epoch ?? 0}/${job.epochs}` : undefined,
    typeof miou === 'number' ? `val mIoU ${miou.toFixed(3)}` : undefined,
    executorText(job),
  ].filter(Boolean);
  return {
    label: `$(${ICONS[job.state] ?? 'question'}) ${job.state} · ${String(job.params.arch ?? '?')}`,
    description: parts.join(' · '),
    detail: `${job.id} · ${job.createdAt}${job.error ? ` · ${job.error}` : ''}`,
  };
}

export async function showJobsCommand(
  registry: DatasetRegistry,
  models: ModelRegistry | undefined,
  secrets: vscode.SecretStorage,
  output: vscode.LogOutputChannel,
  runs: TrainingRuns,
): Promise<void> {
  const client = await clientFor(secrets);
  const jobs = (await client.jobs()).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: the training backend at {0} has no jobs.', client.baseUrl));
    return;
  }
  const picked = await vscode.window.showQuickPick(
    jobs.map((job) => ({ ...describeJob(job), job })),
    { placeHolder: vscode.l10n.t('Training jobs at {0}', client.baseUrl), matchOnDescription: true, matchOnDetail: true },
  );
  if (!picked) return;
  const job = picked.job;
  const follow = vscode.l10n.t('Follow');
  const cancel = vscode.l10n.t('Cancel Job');
  const install = vscode.l10n.t('Download and Activate Model');
  const resume = vscode.l10n.t('Resume');
  const actions = job.state === 'running' || job.state === 'queued' ? [follow, cancel] : job.state === 'succeeded' ? [install] : job.resumable ? [resume] : [];
  if (actions.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Job {0}: {1}', job.id.slice(0, 8), job.error ?? job.state));
    return;
  }
  const action = await vscode.window.showQuickPick(actions, { placeHolder: describeJob(job).label });
  if (action === cancel) {
    const j = await client.cancel(job.id);
    output.info(`job ${j.id}: cancel requested (${j.state})`);
    return;
  }
  if (action !== follow && action !== install && action !== resume) return;
  if (!requireTrust()) return;
  const target = action === resume ? await client.resume(job.id) : job;
  const ended = action === install ? job : await followInProgress(client, output, runs, target);
  if (!ended) return;
  const dataset =
    ended.state === 'succeeded' ? await pickDataset(registry, undefined, vscode.l10n.t('Dataset whose models/ folder receives the model')) : undefined;
  await finish(client, ended, dataset, models, output);
}
