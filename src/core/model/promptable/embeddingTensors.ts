/**
 * Image embeddings as they travel between the extension host and the mask editor's webview: each
 * tensor's decoder input name, dims and float32 values as an ArrayBuffer. Both sides check what
 * they receive with the same rules: the webview the host's (against its image), the host the
 * webview's WebGPU encoder output (also against the card and the encoder's declared output
 * shapes), since those enter its cache and would answer every later click on the image.
 */
import { DataError } from '../../errors';
import type { PromptableCard } from './card';
import type { Embeddings } from './selection';
import type { NamedTensorInfo } from './session';

export interface EmbeddingTensorMessage {
  name: string;
  dims: number[];
  data: ArrayBuffer;
}

/** The tensors as messages carry them (copies: the sender keeps its own). */
export function embeddingTensors(embeddings: Embeddings): EmbeddingTensorMessage[] {
  return Object.entries(embeddings.tensors).map(([name, t]) => ({ name, dims: [...t.dims], data: t.data.slice().buffer }));
}

/** The embeddings in a message, for an image of `width` x `height`; `source` names the sender in errors. */
export function embeddingsFromMessage(
  m: { width: number; height: number; tensors: readonly EmbeddingTensorMessage[] },
  width: number,
  height: number,
  source: string,
): Embeddings {
  if (m.width !== width || m.height !== height) throw new DataError(source, `embeddings for a ${m.width}x${m.height} image, this one is ${width}x${height}`);
  const tensors: Embeddings['tensors'] = {};
  for (const t of m.tensors) {
    const dims = Array.isArray(t.dims) && t.dims.every((d) => Number.isInteger(d) && d > 0) ? t.dims : [NaN];
    const size = dims.reduce((a, b) => a * b, 1);
    if (typeof t.name !== 'string' || !(t.data instanceof ArrayBuffer) || t.data.byteLength !== size * 4)
      throw new DataError(source, `embedding "${String(t.name)}" does not hold [${String(t.dims)}] float32 values`);
    if (t.name in tensors) throw new DataError(source, `embedding "${t.name}" comes twice`);
    tensors[t.name] = { data: new Float32Array(t.data), dims: [...t.dims] };
  }
  return { width, height, tensors };
}

/**
 * Checks embeddings computed elsewhere against the card (one tensor per decoder input it maps,
 * no other), the encoder outputs' fixed axes, and finite values (a broken GPU run gives NaN).
 */
export function checkEncoderOutput(card: PromptableCard, outputs: readonly NamedTensorInfo[], embeddings: Embeddings, source: string): void {
  if (card.family !== 'sam') throw new DataError(source, `a "${card.family}" model has no image encoder`);
  const expected = Object.keys(card.embeddings).sort();
  const got = Object.keys(embeddings.tensors).sort();
  if (expected.join('\n') !== got.join('\n'))
    throw new DataError(source, `embeddings named ${got.join(', ') || 'nothing'}, the card maps ${expected.join(', ')}`);
  for (const [input, output] of Object.entries(card.embeddings)) {
    const { dims, data } = embeddings.tensors[input];
    const shape = outputs.find((o) => o.name === output)?.shape;
    const fits = !shape || (shape.length === dims.length && shape.every((s, i) => typeof s !== 'number' || s <= 0 || s === dims[i]));
    if (!fits) throw new DataError(source, `embedding "${input}" has shape [${dims.join(', ')}], ${card.encoder.file}'s "${output}" is [${shape.join(', ')}]`);
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new DataError(source, `embedding "${input}" holds ${data[bad]} at index ${bad}`);
  }
}
