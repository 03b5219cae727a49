/** Registers the training commands, the "SegLab Training" output channel and the local backend. */
import * as vscode from 'vscode';
import { commandRegistrar } from '../commands/safeCommand';
import { ContinuousTraining } from './continuousTraining';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { ModelRegistry } from '../prelabel/modelRegistry';
import { fineTuneCommand, type FineTuneArgs } from './fineTuneCommand';
import { showJobsCommand } from './jobsCommand';
import { LocalBackend } from './localBackend';
import { setTokenCommand } from './settings';
import type { TrainingRuns } from './trainingRuns';
import { errorMessage } from '../core/errors';

/**
 * `runs` records the job being followed for the mIoU view. `models` (registerPrelabel's ModelRegistry) makes a new model active directly; without it the
 * user picks it in "Select Model". With both `models` and `onDidSaveMask` (the mask editor's saves), "Train as you label" runs too.
 */
export function registerTraining(
  context: vscode.ExtensionContext,
  registry: DatasetRegistry,
  log: vscode.LogOutputChannel,
  runs: TrainingRuns,
  models?: ModelRegistry,
  onDidSaveMask?: vscode.Event<{ rootUri: vscode.Uri }>,
): ContinuousTraining | undefined {
  const output = vscode.window.createOutputChannel('SegLab Training', { log: true });
  const backend = new LocalBackend(context, output);
  const command = commandRegistrar(log, (error) => output.error(errorMessage(error)));
  context.subscriptions.push(
    output,
    backend,
    command('seglab.fineTune', (target?: Parameters<typeof fineTuneCommand>[5], args?: FineTuneArgs) =>
      fineTuneCommand(registry, models, context.secrets, output, runs, target, args),
    ),
    command('seglab.showJobs', () => showJobsCommand(registry, models, context.secrets, output, runs)),
    command('seglab.startBackend', () => backend.start()),
    command('seglab.setTrainingToken', () => setTokenCommand(context.secrets)),
  );
  if (!models || !onDidSaveMask) return undefined;
  const continuous = new ContinuousTraining(registry, models, onDidSaveMask, context.secrets, context.workspaceState, log, runs);
  context.subscriptions.push(continuous);
  return continuous;
}
