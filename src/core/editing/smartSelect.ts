/**
 * The Smart Select tool's prompts and candidates, independent of any runtime: each prompt adds
 * a step; a step's decoder request holds every point so far, the latest box, and the low-resolution
 * logits of the candidate shown before it (SAM's mask_input). Backspace returns to the step
 * before, Tab cycles the step's candidates. Results of superseded requests are ignored.
 */
import type { Candidate, PreviousMask, Selection } from '../model/promptable/selection';
import type { Prompt, PromptBox, PromptPoint } from '../model/promptable/sam';

export type SmartPrompt = ({ kind: 'point' } & PromptPoint) | ({ kind: 'box' } & PromptBox);

export interface DecodeRequest {
  /** Identifies the step that asked (never reused); see `setResult`. */
  step: number;
  prompt: Prompt;
  previous?: PreviousMask;
}

interface Step {
  id: number;
  prompt: SmartPrompt;
  candidates?: Candidate[];
  shown: number;
}

export class SmartSelectState {
  private readonly steps: Step[] = [];
  private nextId = 1;

  get promptCount(): number {
    return this.steps.length;
  }

  get prompts(): readonly SmartPrompt[] {
    return this.steps.map((s) => s.prompt);
  }

  /** Adds a prompt; returns the decoder request for it. */
  add(prompt: SmartPrompt): DecodeRequest {
    const previous = this.current()?.lowRes;
    this.steps.push({ id: this.nextId++, prompt, shown: 0 });
    return this.request(previous);
  }

  /**
   * After Backspace, the last prompt's request again when it has no answer (an answer that came
   * after a later prompt was ignored); undefined when it has one. An earlier request's answer is ignored.
   */
  reask(): DecodeRequest | undefined {
    const step = this.steps.at(-1);
    if (!step || step.candidates) return undefined;
    step.id = this.nextId++;
    return this.request(this.current()?.lowRes);
  }

  /** The request of the last step: every point so far and the latest box. */
  private request(previous: PreviousMask | undefined): DecodeRequest {
    const points = this.steps.flatMap((s) => (s.prompt.kind === 'point' ? [{ x: s.prompt.x, y: s.prompt.y, positive: s.prompt.positive }] : []));
    const box = this.steps.flatMap((s) => (s.prompt.kind === 'box' ? [s.prompt] : [])).at(-1);
    return { step: this.steps.at(-1)!.id, prompt: { points, box: box && { x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1 } }, previous };
  }

  /** The decoder's answer to `request`; false (and ignored) when prompts changed since. */
  setResult(request: DecodeRequest, selection: Selection): boolean {
    const step = this.steps.at(-1);
    if (!step || step.id !== request.step || step.candidates) return false;
    step.candidates = selection.candidates;
    step.shown = 0;
    return true;
  }

  /** Backspace: back to the candidate shown before the last prompt. */
  removeLast(): void {
    this.steps.pop();
  }

  /** Tab: the next candidate of the latest answered step. */
  cycle(): void {
    const step = this.steps.at(-1);
    if (step?.candidates && step.candidates.length > 1) step.shown = (step.shown + 1) % step.candidates.length;
  }

  /** The candidate on show: the latest answered step's; undefined before any answer. */
  current(): Candidate | undefined {
    const s = this.answered();
    return s?.candidates![s.shown];
  }

  /** Which candidate is on show (0-based) of how many; undefined before any answer. */
  shown(): { index: number; count: number } | undefined {
    const s = this.answered();
    return s && { index: s.shown, count: s.candidates!.length };
  }

  private answered(): Step | undefined {
    for (let i = this.steps.length - 1; i >= 0; i--) if (this.steps[i].candidates) return this.steps[i];
    return undefined;
  }

  /** Every answered step's candidates, oldest first. */
  candidates(): Candidate[] {
    return this.steps.flatMap((s) => s.candidates ?? []);
  }

  /** Enter or Esc: everything goes. */
  clear(): void {
    this.steps.length = 0;
  }
}
