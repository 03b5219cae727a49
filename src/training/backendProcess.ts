/**
 * Runs the trainer service (`<python> -m seglab_trainer serve`) as a child process and waits until
 * it answers. Used by "Start Local Training Backend" and by the tests.
 *
 * Whatever answers on the port must be the child, holding the fresh token: a port that answers
 * before the child starts is refused (its token is never sent there), the child must still be
 * running, and the answering service must refuse a request without the token (401) and accept
 * one with it. So a process squatting the port, even one that says 200 to everything, is never
 * taken for the backend.
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

/** Whether anything accepts connections at `url` (an answer or a connection left hanging both count). */
async function portAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return true;
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    return code !== 'ECONNREFUSED';
  }
}

/** Throws unless the service at `url` refuses a request without `token` and accepts one with it. */
async function checkOwnService(url: string, token: string): Promise<void> {
  const anonymous = await fetch(`${url}/v1/jobs`, { signal: AbortSignal.timeout(5000) });
  await anonymous.body?.cancel();
  if (anonymous.status !== 401) {
    throw new TrainingError(
      `what answers at ${url} is not the backend SegLab started: it answered ${anonymous.status} to a request without the token, where the backend answers 401`,
    );
  }
  await new TrainingClient(url, token).jobs();
}

export async function startBackendProcess(options: BackendOptions): Promise<BackendProcess> {
  const { python, port, timeoutMs = 120_000 } = options;
  const url = `http://127.0.0.1:${port}`;
  if (await portAnswers(url)) {
    throw new TrainingError(
      `port ${port} on 127.0.0.1 is already taken by another program (or a backend started elsewhere), so the local backend was not started and its token not sent there. Stop that program, or choose a free port in the "seglab.training.backendUrl" setting.`,
    );
  }
  const env = {
    ...process.env,
    SEGLAB_TOKEN: options.token,
    PYTHONPATH: [options.backendDir, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
    PYTHONUNBUFFERED: '1',
  };
  const args = ['-m', 'seglab_trainer', 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', options.dataDir];
  const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail: string[] = [];
  const onData = (d: Buffer) => {
    for (const line of d
      .toString()
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')) {
      options.onLine?.(line);
      tail = [...tail.slice(-19), line];
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let ended: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve((ended = `cannot run ${python}: ${e.message} (check the "seglab.training.python" setting)`)));
    child.once('exit', (code, signal) =>
      resolve((ended = `the backend exited (${signal ?? `code ${String(code)}`})${tail.length ? `:\n${tail.join('\n')}` : ''}`)),
    );
  });
  const stop = async () => {
    if (ended === undefined && child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const probe = new TrainingClient(url, undefined);
  const deadline = Date.now() + timeoutMs;
  while (ended === undefined && Date.now() < deadline) {
    if (
      await probe.health().then(
        () => true,
        () => false,
      )
    ) {
      try {
        await checkOwnService(url, options.token);
      } catch (error) {
        await stop();
        throw error;
      }
      if (ended === undefined) return { url, child, exited, stop };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (ended !== undefined) throw new TrainingError(ended);
  await stop();
  throw new TrainingError(`the backend did not answer at ${url} within ${timeoutMs / 1000} s:\n${tail.join('\n')}`);
}
