/**
 * What the CLI's long runs share (`seglab prelabel`, `seglab embed`): a service shard's --stems and
 * --progress, and Ctrl+C between images.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { stringOption, type Parsed } from './args';

/** `--stems <file>`: the stems of one shard of a larger run (one a line), or undefined for every image. */
export function stemsOption(parsed: Parsed): Set<string> | undefined {
  const file = stringOption(parsed, 'stems');
  return file === undefined
    ? undefined
    : new Set(
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
}

/** `--progress <file>`: appends one JSON line (the training service's shards report through these); a no-op without it. */
export function progressLog(parsed: Parsed): (line: object) => void {
  const file = stringOption(parsed, 'progress');
  return (line) => file && appendFileSync(file, JSON.stringify(line) + '\n');
}

/** Ctrl+C stops between images; the files written so far stay complete. */
export function abortOnSigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
