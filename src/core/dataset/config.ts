/**
 * `seglab.json`: reading, validating and writing a DatasetConfig. Unknown keys are rejected
 * (not warned about): a misspelt key such as "ignoreindex" would otherwise silently fall back
 * to a default and change what the masks mean. Keys left out keep the values of `base`, which is
 * what layout detection found (or the plain defaults), so a seglab.json may override just classes.
 */
import { defaultClasses, type ClassDef, type Rgb } from '../classes';
import { DataError } from '../errors';
import type { DatasetConfig } from './types';

export const CONFIG_FILE = 'seglab.json';

const KNOWN_KEYS = ['name', 'classes', 'ignoreIndex', 'imagesDir', 'masksDir', 'predictionsDir', 'splits'] as const;

export function defaultConfig(name: string): DatasetConfig {
  return {
    name,
    classes: defaultClasses(),
    ignoreIndex: 255,
    imagesDir: 'images',
    masksDir: 'masks',
    predictionsDir: 'predictions',
    splits: {},
  };
}

const isByte = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/**
 * Masks are 8-bit, so class ids are 0..255 and none may equal the ignore index; ids, names and
 * colours must be unique (colour masks are mapped back to ids through the colours).
 */
export function checkClasses(classes: readonly ClassDef[], ignoreIndex: number, path: string): void {
  if (classes.length === 0) throw new DataError(path, 'classes: at least one class is needed');
  const seen = { id: new Map<number, number>(), name: new Map<string, number>(), color: new Map<string, number>() };
  classes.forEach((c, i) => {
    const at = `classes[${i}]`;
    if (!isByte(c.id)) throw new DataError(path, `${at}.id: expected an integer 0-255, got ${show(c.id)}`);
    if (c.id === ignoreIndex) {
      throw new DataError(path, `${at}.id: ${c.id} is the ignore index (ignoreIndex); class ids must differ from it`);
    }
    if (typeof c.name !== 'string' || c.name.trim() === '') {
      throw new DataError(path, `${at}.name: expected a non-empty string, got ${show(c.name)}`);
    }
    if (!Array.isArray(c.color) || c.color.length !== 3 || !c.color.every(isByte)) {
      throw new DataError(path, `${at}.color: expected [r, g, b] with integers 0-255, got ${show(c.color)}`);
    }
    const keys = { id: c.id, name: c.name, color: c.color.join(',') };
    for (const field of ['id', 'name', 'color'] as const) {
      const map = seen[field] as Map<unknown, number>;
      const first = map.get(keys[field]);
      if (first !== undefined) {
        throw new DataError(path, `${at}.${field}: ${show(c[field])} is already used by classes[${first}]`);
      }
      map.set(keys[field], i);
    }
  });
}

/** A relative folder or file path inside the dataset: no absolute paths, no `..`. */
function relativePath(value: unknown, field: string, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new DataError(path, `${field}: expected a non-empty relative path, got ${show(value)}`);
  }
  const p = value.replace(/\\/g, '/').replace(/\/+$/, '');
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.split('/').includes('..')) {
    throw new DataError(path, `${field}: "${value}" must be a path inside the dataset folder`);
  }
  return p;
}

function parseClasses(value: unknown, path: string): ClassDef[] {
  if (!Array.isArray(value)) throw new DataError(path, `classes: expected an array of {id, name, color}, got ${show(value)}`);
  return value.map((c: unknown, i) => {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      throw new DataError(path, `classes[${i}]: expected {id, name, color}, got ${show(c)}`);
    }
    const extra = Object.keys(c).filter((k) => !['id', 'name', 'color'].includes(k));
    if (extra.length > 0) throw new DataError(path, `classes[${i}]: unknown key "${extra[0]}" (expected id, name, color)`);
    const { id, name, color } = c as Record<string, unknown>;
    return { id, name, color } as ClassDef; // checked by checkClasses
  });
}

function parseSplits(value: unknown, path: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError(path, `splits: expected an object {"<split name>": "<list file>"}, got ${show(value)}`);
  }
  const splits: Record<string, string> = {};
  for (const [name, file] of Object.entries(value)) {
    if (name.trim() === '') throw new DataError(path, 'splits: a split name is empty');
    splits[name] = relativePath(file, `splits.${name}`, path);
  }
  return splits;
}

/** Parses seglab.json text; `path` (the file's path) starts every error message. */
export function parseConfig(text: string, base: DatasetConfig, path: string = CONFIG_FILE): DatasetConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DataError(path, `not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DataError(path, 'expected a JSON object');
  }
  const obj = raw as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !(KNOWN_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new DataError(path, `unknown key "${unknown[0]}" (known keys: ${KNOWN_KEYS.join(', ')})`);
  }
  const config: DatasetConfig = { ...base, classes: base.classes.map((c) => ({ ...c, color: [...c.color] as Rgb })), splits: { ...base.splits } };
  if ('name' in obj) {
    if (typeof obj.name !== 'string' || obj.name.trim() === '') throw new DataError(path, `name: expected a non-empty string, got ${show(obj.name)}`);
    config.name = obj.name;
  }
  if ('ignoreIndex' in obj) {
    if (!isByte(obj.ignoreIndex)) throw new DataError(path, `ignoreIndex: expected an integer 0-255, got ${show(obj.ignoreIndex)}`);
    config.ignoreIndex = obj.ignoreIndex;
  }
  if ('classes' in obj) config.classes = parseClasses(obj.classes, path);
  for (const key of ['imagesDir', 'masksDir', 'predictionsDir'] as const) {
    if (key in obj) config[key] = relativePath(obj[key], key, path);
  }
  if ('splits' in obj) config.splits = parseSplits(obj.splits, path);
  checkClasses(config.classes, config.ignoreIndex, path);
  config.classes.sort((a, b) => a.id - b.id);
  return config;
}

/** seglab.json text for a config: one class per line so diffs stay readable. */
export function configToJson(config: DatasetConfig): string {
  const classes = config.classes.map((c) => `    { "id": ${c.id}, "name": ${JSON.stringify(c.name)}, "color": [${c.color.join(', ')}] }`);
  const lines = [
    `  "name": ${JSON.stringify(config.name)},`,
    `  "classes": [\n${classes.join(',\n')}\n  ],`,
    `  "ignoreIndex": ${config.ignoreIndex},`,
    `  "imagesDir": ${JSON.stringify(config.imagesDir)},`,
    `  "masksDir": ${JSON.stringify(config.masksDir)},`,
    `  "predictionsDir": ${JSON.stringify(config.predictionsDir)},`,
    `  "splits": ${JSON.stringify(config.splits, null, 2).replace(/\n/g, '\n  ')}`,
  ];
  return `{\n${lines.join('\n')}\n}\n`;
}
