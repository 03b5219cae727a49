/**
 * The file access that core code needs, so the same dataset logic runs over Node's fs (CLI,
 * tests) and `vscode.workspace.fs` (extension host, remote workspaces). Paths are POSIX strings.
 */
export type EntryType = 'file' | 'directory' | 'other';

export interface FileSystem {
  readFile(path: string): Promise<Uint8Array>;
  /** Reads at most `length` bytes from the start (headers); may return fewer. */
  readHead(path: string, length: number): Promise<Uint8Array>;
  /** Writes atomically: a temporary file in the same folder, then a rename. */
  writeFileAtomic(path: string, data: Uint8Array): Promise<void>;
  readDirectory(path: string): Promise<Array<[name: string, type: EntryType]>>;
  /** undefined when nothing exists at `path`. */
  stat(path: string): Promise<{ type: EntryType; size: number; mtime: number } | undefined>;
  createDirectory(path: string): Promise<void>;
  delete(path: string): Promise<void>;
  /**
   * `path` with every symbolic link on it resolved; undefined when nothing is there, a link
   * dangles, or the file system cannot resolve links.
   */
  realPath(path: string): Promise<string | undefined>;
  /**
   * The symbolic links among the entries of `folder`, by name, each with its real path (undefined
   * when it dangles or cannot be resolved): a folder usually has none, so this costs one listing.
   */
  linksIn(folder: string): Promise<Map<string, string | undefined>>;
}
