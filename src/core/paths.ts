/** POSIX path helpers that work in Node, browsers and workers alike. */
export function joinPath(...parts: string[]): string {
  const joined = parts.filter((p) => p.length > 0).join('/');
  return joined.replace(/\/+/g, '/');
}

export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : path.slice(0, i);
}

/** The file name without its last extension: the key that pairs an image with its mask. */
export function stemOf(name: string): string {
  const base = baseName(name);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? base : base.slice(0, dot);
}

export function extensionOf(name: string): string {
  const base = baseName(name);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Forward slashes, no trailing slash: for comparing paths that may come in either style. */
export function normalPath(path: string): string {
  return path.replace(/\\/g, '/').replace(/\/+$/, '');
}

/** Whether `path` is `folder` or lies below it. */
export function isInside(path: string, folder: string): boolean {
  const [p, f] = [normalPath(path), normalPath(folder)];
  return p === f || p.startsWith(`${f}/`);
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;
/** A control character as JSON writes it: "\t", "\n", "\u0007". */
const escaped = (c: string) => JSON.stringify(c).slice(1, -1);

/** The control characters (tab, newline, ...) in a name, as escapes ("\t \n"), or undefined when it has none. */
export function controlCharactersIn(name: string): string | undefined {
  const found = name.match(CONTROL_CHARACTERS);
  return found ? [...new Set(found)].map(escaped).join(' ') : undefined;
}

/** A name or path for one line of text: JSON-quoted when it holds control characters, else as it is. */
export function quotedName(name: string): string {
  return controlCharactersIn(name) === undefined ? name : JSON.stringify(name);
}

/** Text for one line: its control characters escaped ("\n"), so a name cannot break the line. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, escaped);
}

/** The kernel's and the devices' folders: no dataset, report or model is ever written there. */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];

/** The system folder (`/proc`, `/sys`, `/dev`) that the absolute real path `path` lies in, if any. */
export function systemFolderOf(path: string): string | undefined {
  return SYSTEM_FOLDERS.find((folder) => isInside(path, folder));
}
