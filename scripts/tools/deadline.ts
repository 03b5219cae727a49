// Runs a child command with an overall time limit, so that a harness never hangs: past the limit
// its whole process group gets SIGTERM (harnesses stop the code-server and browser they started),
// then SIGKILL. Ctrl+C reaches it too, though it runs in a group of its own.
import { spawn, type SpawnOptions } from 'node:child_process';

export interface DeadlineResult {
  /** The child's exit status; 1 when it was stopped or could not start. */
  code: number;
  timedOut: boolean;
}

/** Seconds from the environment variable `name`, or `fallback`. */
export function limitFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export function runWithDeadline(command: string, args: string[], options: SpawnOptions, limitSeconds: number, label: string): Promise<DeadlineResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options, detached: true });
    const signal = (s: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, s);
      } catch {
        // already gone
      }
    };
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`[${label}] did not finish within ${limitSeconds} s: stopping it`);
      signal('SIGTERM');
      killer = setTimeout(() => signal('SIGKILL'), 15_000);
    }, limitSeconds * 1000);
    const interrupt = () => signal('SIGINT');
    process.on('SIGINT', interrupt);
    const done = (code: number) => {
      clearTimeout(timer);
      clearTimeout(killer);
      process.off('SIGINT', interrupt);
      resolve({ code: timedOut ? 1 : code, timedOut });
    };
    child.once('error', (e) => {
      console.error(`[${label}] ${command} could not start: ${e.message}`);
      done(1);
    });
    child.once('exit', (code, sig) => done(code ?? (sig ? 1 : 0)));
  });
}
