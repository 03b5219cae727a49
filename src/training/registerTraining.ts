/** Registers the training commands, the "SegLab Training" output channel and the local backend. */
import * as vscode from 'vscode';
import { describe, type DatasetRegistry } from '../dataset/datasetRegistry';
import type { ModelRegistry } from '../prelabel/modelRegistry';
import { fineTuneCommand } from './fineTuneCommand';
import { showJobsCommand } from './jobsCommand';
import { LocalBackend } from './localBackend';
import { setTokenCommand } from './settings';

/**
 * `models` (registerPrelabel's ModelRegistry) makes a new model active directly; without it the
 * user picks it in "Select Model".
 */
export function registerTraining(context: vscode.ExtensionContext, registry: DatasetRegistry, log: vscode.LogOutputChannel, models?: ModelRegistry): void {
  const output = vscode.window.createOutputChannel('SegLab Training', { log: true });
  const backend = new LocalBackend(context, output);
  // Errors are logged and shown, never rethrown into VS Code.
  const command = <A extends unknown[]>(id: string, run: (...args: A) => Promise<unknown>) =>
    vscode.commands.registerCommand(id, async (...args: A) => {
      try {
        return await run(...args);
      } catch (error) {
        log.error(`${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        output.error(error instanceof Error ? error.message : String(error));
        void vscode.window.showErrorMessage(vscode.l10n.t('SegLab: {0}', describe(error)));
        return undefined;
      }
    });
  context.subscriptions.push(
    output,
    backend,
    command('seglab.fineTune', (target?: Parameters<typeof fineTuneCommand>[4]) => fineTuneCommand(registry, models, context.secrets, output, target)),
    command('seglab.showJobs', () => showJobsCommand(registry, models, context.secrets, output)),
    command('seglab.startBackend', () => backend.start()),
    command('seglab.setTrainingToken', () => setTokenCommand(context.secrets)),
  );
}
