/** Text output helpers: aligned tables, percentages, progress on a terminal, problem lines. */
import type { Problem } from '../core/errors';
import { escapeControlCharacters, quotedName } from '../core/paths';

/** Console-like sinks, so commands can be run in-process by tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether err is a terminal (progress lines only there). */
  errIsTty: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  errIsTty: Boolean(process.stderr.isTTY),
};

/** Columns padded to their widest cell; `right` lists the columns aligned right (numbers). */
export function table(header: string[], rows: string[][], right: number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function percent(v: number | null): string {
  return v === null ? '-' : `${(v * 100).toFixed(2)}%`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** One stderr line per problem, each starting with the file concerned (quoted when its name holds a tab, newline...). */
export function reportProblems(io: Io, problems: readonly Problem[]): void {
  for (const p of problems) io.err(`${quotedName(p.path)}: ${p.kind}: ${escapeControlCharacters(p.message)}`);
}

/** A progress callback that redraws one stderr line at most every 200 ms, on a terminal only. */
export function progress(io: Io, label: string): ((done: number, total: number) => void) | undefined {
  if (!io.errIsTty) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < 200) return;
    last = now;
    process.stderr.write(`\r${label} ${done}/${total}${done === total ? '\r\x1b[K' : ''}`);
  };
}

/** What --json prints: indented, with number arrays (colours) on one line. */
export function json(value: unknown): string {
  // Only arrays broken over lines are joined; a raw newline never occurs inside a JSON string.
  const numbers = /\[\n\s*(-?[\d.e+-]+(?:,\n\s*-?[\d.e+-]+)*)\n\s*\]/g;
  return JSON.stringify(value, null, 2).replace(numbers, (_, items: string) => `[${items.split(/,\n\s*/).join(', ')}]`);
}
