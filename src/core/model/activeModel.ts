/**
 * Which model pre-labels: the one the person chose (kept per workspace), else, when the datasets
 * have models, the one whose card records the best val mIoU. Pure: the registry (src/prelabel/
 * modelRegistry.ts) lists the models and stores the choice.
 */

/** What the workspace remembers: `auto` holds the val mIoU of a model chosen by the rule below. */
export interface StoredChoice {
  uri: string;
  name: string;
  auto?: { valMiou: number };
}

export interface Candidate {
  uri: string;
  name: string;
  /** The val mIoU recorded on its card, if any. */
  valMiou?: number;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The val mIoU a card's `metrics` records: the trainer's `final.miou` (the kept epoch), else the
 * best of its per-epoch `valMiou`, else a plain `miou`; undefined when it records none.
 */
export function recordedValMiou(metrics: unknown): number | undefined {
  if (typeof metrics !== 'object' || metrics === null) return undefined;
  const m = metrics as { final?: { miou?: unknown }; valMiou?: unknown; miou?: unknown };
  if (finite(m.final?.miou)) return m.final.miou;
  if (Array.isArray(m.valMiou)) {
    const values = m.valMiou.map((p: { miou?: unknown } | null) => p?.miou).filter(finite);
    if (values.length > 0) return Math.max(...values);
  }
  return finite(m.miou) ? m.miou : undefined;
}

/** The candidate with the highest recorded val mIoU (ties: the first by name); undefined when none records one. */
export function bestByValMiou<T extends Candidate>(candidates: readonly T[]): (T & { valMiou: number }) | undefined {
  let best: (T & { valMiou: number }) | undefined;
  for (const c of candidates) {
    if (!finite(c.valMiou)) continue;
    if (!best || c.valMiou > best.valMiou || (c.valMiou === best.valMiou && c.name.localeCompare(best.name) < 0)) best = c as T & { valMiou: number };
  }
  return best;
}

/**
 * The choice to keep: a stored choice made by the person stays, even while its model is missing
 * (a folder not loaded yet); a stored automatic choice stays while its model exists; otherwise
 * the best recorded val mIoU, marked `auto`; undefined when nothing is known.
 */
export function chooseActive(stored: StoredChoice | undefined, candidates: readonly Candidate[]): StoredChoice | undefined {
  if (stored && (!stored.auto || candidates.some((c) => c.uri === stored.uri))) return stored;
  const best = bestByValMiou(candidates);
  return best ? { uri: best.uri, name: best.name, auto: { valMiou: best.valMiou } } : stored;
}
