/**
 * Runs the trainer service (`<python> -m seglab_trainer serve`) as a child process and waits until
 * `/v1/health` answers. Used by "Start Local Training Backend" and by the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { delimiter } from 'node:path';
import { TrainingClient, TrainingError } from './client';

export interface BackendOptions {
  python: string;
  /** Folder holding the `seglab_trainer` package (put on PYTHONPATH). */
  backendDir: string;
  port: number;
  dataDir: string;
  /** Passed as SEGLAB_TOKEN: the service uses it instead of generating one. */
  token: string;
  /** Each non-empty output line of the service. */
  onLine?(line: string): void;
  timeoutMs?: number;
}

export interface BackendProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with a description of how the process ended. */
  exited: Promise<string>;
  /** SIGTERM: the service stops its training processes first and records them as failed/resumable. */
  stop(): Promise<void>;
}

export async function startBackendProcess(options: BackendOptions): Promise<BackendProcess> {
  const { python, port, timeoutMs = 120_000 } = options;
  const env = { ...process.env, SEGLAB_TOKEN: options.token, PYTHONPATH: [options.backendDir, process.env.PYTHONPATH].filter(Boolean).join(delimiter), PYTHONUNBUFFERED: '1' };
  const args = ['-m', 'seglab_trainer', 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', options.dataDir];
  const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail: string[] = [];
  const onData = (d: Buffer) => {
    for (const line of d.toString().split(/\r?\n/).filter((l) => l.trim() !== '')) {
      options.onLine?.(line);
      tail = [...tail.slice(-19), line];
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let ended: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve((ended = `cannot run ${python}: ${e.message} (check the "seglab.training.python" setting)`)));
    child.once('exit', (code, signal) => resolve((ended = `the backend exited (${signal ?? `code ${String(code)}`})${tail.length ? `:\n${tail.join('\n')}` : ''}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (ended === undefined && child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const probe = new TrainingClient(url, undefined);
  const deadline = Date.now() + timeoutMs;
  while (ended === undefined && Date.now() < deadline) {
    if (await probe.health().then(() => true, () => false)) return { url, child, exited, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  if (ended !== undefined) throw new TrainingError(ended);
  await stop();
  throw new TrainingError(`the backend did not answer at ${url} within ${timeoutMs / 1000} s:\n${tail.join('\n')}`);
}
