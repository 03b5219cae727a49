/** Long runs shown as a cancellable notification, in one place for every command that runs one. */
import * as vscode from 'vscode';

export type ProgressReport = vscode.Progress<{ message?: string; increment?: number }>;

/** Runs `task` under a cancellable notification titled `title`; Cancel aborts the task's signal. */
export function withCancellableProgress<T>(title: string, task: (signal: AbortSignal, progress: ProgressReport) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      return await task(controller.signal, progress);
    } finally {
      sub.dispose();
    }
  });
}

/** A training-backend run's progress line: its uploads, then the images done. */
export function backendProgressMessage({ stage, done, total }: { stage: string; done: number; total: number }): string {
  return stage === 'upload' ? vscode.l10n.t('uploading {0}/{1}', done, total) : `${done}/${total}`;
}
