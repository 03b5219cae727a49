import * as vscode from 'vscode';
import { errorMessage, errorStack } from '../core/errors';

/**
 * Registers a command whose failures are logged and shown (naming the file when there is one),
 * never rethrown into VS Code. `also` receives the error too (e.g. a feature's own output channel).
 */
export function commandRegistrar(log: vscode.LogOutputChannel, also?: (error: unknown) => void) {
  return <A extends unknown[]>(id: string, run: (...args: A) => Promise<unknown>): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: A) => {
      try {
        return await run(...args);
      } catch (error) {
        also?.(error);
        reportFailure(log, `${id} failed`, error);
        return undefined;
      }
    });
}

const failures = new vscode.EventEmitter<string>();
/** The message of every failure reportFailure shows (for the extension tests, through SegLabApi). */
export const onDidReportFailure: vscode.Event<string> = failures.event;

/** A failure the person should see: its stack in the log, its message (naming the file when there is one) in a notification. */
export function reportFailure(log: vscode.LogOutputChannel, what: string, error: unknown): void {
  log.error(`${what}: ${errorStack(error)}`);
  const message = vscode.l10n.t('SegLab: {0}', errorMessage(error));
  failures.fire(message);
  void vscode.window.showErrorMessage(message);
}
