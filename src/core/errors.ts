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
    | 'bad-split';
  message: string;
}
