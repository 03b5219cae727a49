/**
 * "SegLab: Start Local Training Backend": runs the bundled trainer service on the port of the
 * backend URL with the configured Python, a fresh token kept in SecretStorage and its output in
 * the "SegLab Training" channel; stopped with the extension. A port that something else already
 * answers on is an error (backendProcess.ts): the token is only ever stored for the child it started.
 * Started again after the URL setting moved to another port, it stops the old child and starts there.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { startBackendProcess, type BackendProcess } from './backendProcess';
import { TrainingError } from './client';
import { backendUrl, pythonPath, requireTrust, storeToken } from './settings';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class LocalBackend implements vscode.Disposable {
  private process?: BackendProcess;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  async start(): Promise<void> {
    if (!requireTrust()) return;
    const url = new URL(backendUrl());
    if (!LOCAL_HOSTS.has(url.hostname) || url.protocol !== 'http:') {
      throw new TrainingError(`"seglab.training.backendUrl" is ${url.origin}, not this machine: the local backend serves http://127.0.0.1:<port>`);
    }
    const port = Number(url.port || 80);
    if (this.process && Number(new URL(this.process.url).port) === port) {
      void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: the training backend is already running at {0}.', this.process.url));
      return;
    }
    if (this.process) {
      // The setting moved to another port since: SegLab would talk to a port where nothing answers.
      this.output.info(`stopping the backend at ${this.process.url}: seglab.training.backendUrl is now ${url.origin}`);
      const old = this.process;
      this.process = undefined;
      await old.stop();
    }
    const token = randomBytes(24).toString('hex');
    const options = {
      python: pythonPath(),
      backendDir: join(this.context.extensionUri.fsPath, 'backend'),
      port,
      dataDir: join(this.context.globalStorageUri.fsPath, 'backend'),
      token,
      onLine: (line: string) => this.output.info(`[backend] ${line}`),
    };
    this.output.info(`starting ${options.python} -m seglab_trainer serve --port ${port} --data-dir ${options.dataDir}`);
    const started = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Starting the SegLab training backend on port {0}', port) },
      () => startBackendProcess(options),
    );
    this.process = started;
    void started.exited.then((how) => {
      this.output.info(how.split('\n')[0]);
      if (this.process === started) this.process = undefined;
    });
    await storeToken(this.context.secrets, token);
    this.output.info(`backend ready at ${started.url}`);
    void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: training backend running at {0}.', started.url));
  }

  dispose(): void {
    void this.process?.stop();
    this.process = undefined;
  }
}
