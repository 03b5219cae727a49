/** `seglab click` prompts: the --points/--box options and the JSON request lines of --session. */
import type { Prompt, PromptPoint } from '../core/model/promptable/sam';

export interface ClickRequest {
  image: string;
  prompt: Prompt;
  /** A 0/1 mask PNG, or an earlier `out` of the same session (its low-resolution logits are reused). */
  previous?: string;
  out: string;
}

/** A request that cannot be run as written; its message says which field and why. */
export class RequestError extends Error {
  override name = 'RequestError';
}

const show = (v: unknown) => JSON.stringify(v) ?? String(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function point(v: unknown, field: string): PromptPoint {
  if (!Array.isArray(v) || v.length !== 3 || !isNumber(v[0]) || !isNumber(v[1]) || (v[2] !== 0 && v[2] !== 1)) {
    throw new RequestError(`${field}: expected [x, y, label] with label 1 (positive) or 0 (negative), got ${show(v)}`);
  }
  return { x: v[0], y: v[1], positive: v[2] === 1 };
}

function box(v: unknown, field: string): Prompt['box'] {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== 4 || !v.every(isNumber)) throw new RequestError(`${field}: expected [x0, y0, x1, y1], got ${show(v)}`);
  return { x0: v[0], y0: v[1], x1: v[2], y1: v[3] };
}

/** `--points "x,y,1 x,y,0"`. */
export function parsePointsOption(text: string): PromptPoint[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '')
    .map((s, i) =>
      point(
        s.split(',').map((n) => (n.trim() === '' ? NaN : Number(n))),
        `--points item ${i + 1} "${s}"`,
      ),
    );
}

/** `--box x0,y0,x1,y1`. */
export function parseBoxOption(text: string): Prompt['box'] {
  return box(
    text.split(',').map((n) => (n.trim() === '' ? NaN : Number(n))),
    `--box "${text}"`,
  );
}

/** One --session line: {"image", "points": [[x, y, label], ...], "box"?, "previous"?, "out"}. */
export function parseRequestLine(line: string): ClickRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    throw new RequestError(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RequestError(`expected a JSON object, got ${show(raw)}`);
  const r = raw as Record<string, unknown>;
  const known = ['image', 'points', 'box', 'previous', 'out'];
  const unknown = Object.keys(r).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new RequestError(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (expected ${known.join(', ')})`);
  for (const key of ['image', 'out'] as const)
    if (typeof r[key] !== 'string' || r[key] === '') throw new RequestError(`${key}: expected a file path, got ${show(r[key])}`);
  if (r.previous !== undefined && (typeof r.previous !== 'string' || r.previous === ''))
    throw new RequestError(`previous: expected a file path, got ${show(r.previous)}`);
  const points = r.points ?? [];
  if (!Array.isArray(points)) throw new RequestError(`points: expected [[x, y, label], ...], got ${show(points)}`);
  return {
    image: r.image as string,
    prompt: { points: points.map((p, i) => point(p, `points[${i}]`)), box: box(r.box, 'box') },
    previous: r.previous as string | undefined,
    out: r.out as string,
  };
}
