/** An error about one file: the message always starts with the file's path. */
export class DataError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'DataError';
  }
}

/**
 * A file that says something SegLab cannot honour (a model card, a model that needs one, an
 * option): the user must change it, so the CLI exits 2 as for a usage error. `hint` says what to
 * write instead.
 */
export class ConfigError extends DataError {
  constructor(
    path: string,
    /** What is wrong, without the hint. */
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(path, hint ? `${problem}; ${hint}` : problem);
    this.name = 'ConfigError';
  }
}

/** A problem found in a dataset; reported, never silently dropped. */
export interface Problem {
  path: string;
  kind:
    | 'orphan-mask'
    | 'duplicate-stem'
    | 'unreadable-mask'
    | 'size-mismatch'
    | 'unknown-values'
    | 'unreadable-image'
    | 'bad-config'
    | 'bad-split'
    /** A symbolic link whose real path is outside the dataset: not followed. */
    | 'outside-link'
    /** A file name with control characters (tab, newline): ignored. */
    | 'bad-name';
  message: string;
}

/** The text of anything thrown: an Error's message, any other value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** For a log: an Error's stack where it has one, otherwise its text. */
export function errorStack(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** The text of an error about one file, without the path a DataError's message starts with. */
export function errorDetail(error: unknown): string {
  return error instanceof DataError ? error.detail : errorMessage(error);
}
