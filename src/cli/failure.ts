/**
 * The CLI's one rule for failures, for every command: exit 2 when what the user asked for must
 * change (the command line, a model card, an option), 1 for problems found in the data. With
 * --json the failure is also printed on stdout as {error, file, hint}.
 */
import { ConfigError, DataError, errorMessage } from '../core/errors';
import { UsageError } from './args';

export const EXIT_DATA = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  return error instanceof UsageError || error instanceof ConfigError ? EXIT_USAGE : EXIT_DATA;
}

/** What --json prints on a failure: the problem, the file it concerns (null for the command line) and what to change (null when nothing specific). */
export function failureJson(error: unknown, command: string): { error: string; file: string | null; hint: string | null } {
  if (error instanceof ConfigError) return { error: error.problem, file: error.path, hint: error.hint ?? null };
  if (error instanceof DataError) return { error: error.detail, file: error.path, hint: null };
  if (error instanceof UsageError) return { error: error.message, file: null, hint: `run "seglab ${command} --help" for usage` };
  return { error: errorMessage(error), file: null, hint: null };
}
