/** Command-line parsing on top of node:util's parseArgs; every mistake becomes a UsageError (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export function parse(argv: string[], options: Options): Parsed {
  try {
    const { positionals, values } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { positionals, values: values as Parsed['values'] };
  } catch (err) {
    // parseArgs' messages are already phrased for users ("Unknown option '--x'").
    throw new UsageError((err as Error).message);
  }
}

export function expectPositionals(parsed: Parsed, names: string[]): string[] {
  if (parsed.positionals.length !== names.length) {
    const got = parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ');
    throw new UsageError(`expected ${names.map((n) => `<${n}>`).join(' ')}, got ${got}`);
  }
  return parsed.positionals;
}

export function intOption(parsed: Parsed, name: string, min: number, max: number): number | undefined {
  const raw = parsed.values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} expects an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

export function stringOption(parsed: Parsed, name: string): string | undefined {
  const v = parsed.values[name];
  return typeof v === 'string' ? v : undefined;
}
