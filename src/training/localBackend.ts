/**
 * "SegLab: Start Local Training Backend": runs the bundled trainer service
 * (`<python> -m seglab_trainer serve`) on the port of the backend URL, with a fresh token kept in
 * SecretStorage, its output in the "SegLab Training" channel; stopped with the extension.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import { TrainingClient, TrainingError } from './client';
import { backendUrl, pythonPath, requireTrust, storeToken } from './settings';

const START_TIMEOUT_MS = 120_000;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class LocalBackend implements vscode.Disposable {
  private child?: ChildProcess;
  private tail: string[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null;
  }

  async start(): Promise<void> {
    if (!requireTrust()) return;
    const url = new URL(backendUrl());
    if (!LOCAL_HOSTS.has(url.hostname)) {
      throw new TrainingError(`"seglab.training.backendUrl" is ${url.origin}, not this machine: the local backend listens on 127.0.0.1 (set the URL to http://127.0.0.1:<port>)`);
    }
    const probe = new TrainingClient(url.origin, undefined);
    if (await probe.health().then(() => true, () => false)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: a training backend already answers at {0}.', url.origin));
      return;
    }
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const token = randomBytes(24).toString('hex');
    const dataDir = join(this.context.globalStorageUri.fsPath, 'backend');
    const python = pythonPath();
    const backendDir = join(this.context.extensionUri.fsPath, 'backend');
    const env = { ...process.env, SEGLAB_TOKEN: token, PYTHONPATH: [backendDir, process.env.PYTHONPATH].filter(Boolean).join(delimiter), PYTHONUNBUFFERED: '1' };
    const args = ['-m', 'seglab_trainer', 'serve', '--host', '127.0.0.1', '--port', port, '--data-dir', dataDir];
    this.output.info(`starting ${python} ${args.join(' ')}`);
    this.tail = [];
    const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const onData = (d: Buffer) => {
      for (const line of d.toString().split(/\r?\n/).filter((l) => l.trim() !== '')) {
        this.output.info(`[backend] ${line}`);
        this.tail = [...this.tail.slice(-19), line];
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exited = new Promise<string>((resolve) => {
      child.once('error', (e) => resolve(`cannot run ${python}: ${e.message} (check the "seglab.training.python" setting)`));
      child.once('exit', (code, signal) => {
        this.output.info(`backend exited (${signal ?? `code ${String(code)}`})`);
        resolve(`the backend exited (${signal ?? `code ${String(code)}`}):\n${this.tail.join('\n')}`);
      });
    });
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Starting the SegLab training backend on port {0}', port) }, async () => {
      const deadline = Date.now() + START_TIMEOUT_MS;
      let failure: string | undefined;
      void exited.then((m) => (failure = m));
      while (Date.now() < deadline && failure === undefined) {
        if (await probe.health().then(() => true, () => false)) {
          await storeToken(this.context.secrets, token);
          this.output.info(`backend ready at ${url.origin}`);
          void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: training backend running at {0}.', url.origin));
          return;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      this.stop();
      throw new TrainingError(failure ?? `the backend did not answer at ${url.origin} within ${START_TIMEOUT_MS / 1000} s`);
    });
  }

  /** SIGTERM: the service stops its training processes first and records them as failed/resumable. */
  stop(): void {
    if (this.running) this.child?.kill('SIGTERM');
    this.child = undefined;
  }

  dispose(): void {
    this.stop();
  }
}
