/**
 * Smart Select's two steps, shared by the host, the CLI and the webview: `encodeImage` runs the
 * encoder once per image; `decodePrompt` runs the decoder per prompt on those embeddings and
 * returns the candidate masks at the image's size, best first, each with the low-resolution
 * logits that go back in as the next prompt's mask_input (as SamPredictor does).
 *
 * Speed: a SAM export upscales every candidate to the image's size inside the graph (`masks`),
 * most of a prompt's time at SAM's size. On a decoder's first prompt both are computed and its
 * `masks` compared with SAM's post-processing of `low_res_masks` (upscaleLowRes); when they agree
 * (every SAM-format export: it is how SamOnnxModel makes them), later prompts fetch only the
 * scores and low-resolution masks and upscale the candidate on show here. A decoder whose masks
 * are something else (the known-answer test pair, another family) keeps its own masks.
 */
import { ConfigError, DataError } from '../../errors';
import type { RgbImage } from '../image';
import type { PromptableCard, SamCard } from './card';
import { checkClicksIo, clickEmbeddings, decodeClicks } from './clicks';
import { encoderInput } from './encoderInput';
import { binaryMaskInput, promptTensors, rankCandidates, samFrame, thresholdMask, upscaleLowRes, upscaleLowResMask, type Prompt } from './sam';
import type { Candidate, Embeddings, PreviousMask, Selection } from './selection';
import type { FloatTensor, MultiSession } from './session';

function candidate(threshold: () => Uint8Array, score: number, lowRes: Float32Array): Candidate {
  let mask: Uint8Array | undefined;
  return {
    get mask() {
      return (mask ??= threshold());
    },
    score,
    lowRes,
  };
}

/**
 * How far upscaleLowRes may be from the graph's upscaling, per logit: |ours - graph| <= TOLERANCE * (1 + |graph|).
 * Both are float32 bilinear resizes of the same values with the same source positions (torch
 * computes the scale as in/out, ONNX Runtime as out/in: a few ulp apart), measured within 5e-6 on
 * a SAM-architecture decoder (test/node/lowResMasks.test.ts); anything that is not SAM's
 * post-processing (a pixel of shift, another interpolation, analytic masks) is off by far more.
 * A pixel's side of the threshold can then differ only where the graph's logit is within this of 0.
 */
export const LOW_RES_TOLERANCE = 1e-4;

/** Per decoder session: whether its `masks` are SAM's post-processing of its `low_res_masks`, learnt on its first prompt. */
const masksFromLowRes = new WeakMap<MultiSession, boolean>();

function agrees(graph: Float32Array, k: number, ours: Float32Array): boolean {
  const base = k * ours.length;
  for (let i = 0; i < ours.length; i++) {
    const g = graph[base + i];
    if (!(Math.abs(ours[i] - g) <= LOW_RES_TOLERANCE * (1 + Math.abs(g)))) return false;
  }
  return true;
}

const has = (list: { name: string }[], name: string) => list.some((t) => t.name === name);
const names = (list: { name: string }[]) => list.map((t) => t.name).join(', ');

/** The SAM card's encoder input and the outputs its "embeddings" map exist in the encoder (all an embedding run needs). */
export function checkEncoderIo(card: SamCard, cardPath: string, encoder: MultiSession): void {
  if (!has(encoder.io.inputs, card.encoder.input.name)) {
    throw new ConfigError(cardPath, `encoder.input.name: ${card.encoder.file} has no input "${card.encoder.input.name}" (it has ${names(encoder.io.inputs)})`);
  }
  for (const [decoderInput, encoderOutput] of Object.entries(card.embeddings)) {
    if (!has(encoder.io.outputs, encoderOutput))
      throw new ConfigError(
        cardPath,
        `embeddings.${decoderInput}: ${card.encoder.file} has no output "${encoderOutput}" (it has ${names(encoder.io.outputs)})`,
      );
  }
}

/** Checks that both files have the tensors the card names; errors name the card and the field. */
export function checkPromptableIo(card: PromptableCard, cardPath: string, encoder: MultiSession | undefined, decoder: MultiSession): void {
  if (card.family === 'clicks') return checkClicksIo(card, cardPath, decoder.io);
  if (!encoder) throw new ConfigError(cardPath, `encoder: ${card.encoder.file} has no session`);
  checkEncoderIo(card, cardPath, encoder);
  for (const decoderInput of Object.keys(card.embeddings)) {
    if (!has(decoder.io.inputs, decoderInput))
      throw new ConfigError(cardPath, `embeddings.${decoderInput}: ${card.decoder.file} has no input "${decoderInput}" (it has ${names(decoder.io.inputs)})`);
  }
  for (const [role, name] of Object.entries(card.decoder.inputs)) {
    if (!has(decoder.io.inputs, name))
      throw new ConfigError(cardPath, `decoder.inputs.${role}: ${card.decoder.file} has no input "${name}" (it has ${names(decoder.io.inputs)})`);
  }
  for (const [role, name] of Object.entries(card.decoder.outputs)) {
    if (!has(decoder.io.outputs, name))
      throw new ConfigError(cardPath, `decoder.outputs.${role}: ${card.decoder.file} has no output "${name}" (it has ${names(decoder.io.outputs)})`);
  }
  const fed = new Set([...Object.keys(card.embeddings), ...Object.values(card.decoder.inputs)]);
  const unfed = decoder.io.inputs.filter((t) => !fed.has(t.name)).map((t) => t.name);
  if (unfed.length > 0)
    throw new ConfigError(
      cardPath,
      `decoder: ${card.decoder.file} needs inputs the card does not feed: ${unfed.join(', ')} (map them in "embeddings" or "decoder.inputs")`,
    );
}

/** A click model (family "clicks") has no encoder: its "embeddings" are the normalised image. */
export async function encodeImage(card: PromptableCard, encoder: MultiSession | undefined, image: RgbImage): Promise<Embeddings> {
  if (card.family === 'clicks') return clickEmbeddings(card, image);
  if (!encoder) throw new ConfigError(card.encoder.file, 'the encoder is not loaded');
  const feeds = { [card.encoder.input.name]: encoderInput(image, card.encoder.input) };
  const outputs = await encoder.run(feeds, [...new Set(Object.values(card.embeddings))]);
  const tensors = Object.fromEntries(Object.entries(card.embeddings).map(([decoderInput, encoderOutput]) => [decoderInput, outputs[encoderOutput]]));
  return { width: image.width, height: image.height, tensors };
}

/** A 0/1 mask of the image as the next prompt's `previous` (SAM: low-resolution logits; clicks: the mask itself, not a copy). */
export function previousFromMask(card: PromptableCard, mask: Uint8Array, width: number, height: number): PreviousMask {
  return card.family === 'clicks' ? mask : binaryMaskInput(mask, samFrame(width, height, card.encoder.input.size));
}

/**
 * One prompt (on a click model: clicks.ts's decodeClicks). `previous`: the low-resolution logits of the mask being refined (a candidate's
 * `lowRes`), or undefined for a first prompt. `source` names the prompt's origin in errors.
 * `decoderMasks`: always use the decoder's own upscaled masks (the tests' and the bench's reference).
 * `into`: a click model's mask is written there (decodeClicks).
 */
export async function decodePrompt(
  card: PromptableCard,
  decoder: MultiSession,
  embeddings: Embeddings,
  prompt: Prompt,
  previous: PreviousMask | undefined,
  source: string,
  options: { decoderMasks?: boolean; into?: Uint8Array } = {},
): Promise<Selection> {
  if (card.family === 'clicks') return decodeClicks(card, decoder, embeddings, prompt, previous, source, options.into);
  const { width, height } = embeddings;
  const side = card.encoder.input.size / 4;
  const frame = samFrame(width, height, card.encoder.input.size);
  const p = promptTensors(frame, prompt, source);
  if (previous && (previous.length !== side * side || !(previous instanceof Float32Array)))
    throw new DataError(source, `the previous mask has ${previous.length} low-resolution values, expected ${side}x${side} float32 logits`);
  const { inputs, outputs } = card.decoder;
  const feeds = {
    ...Object.fromEntries(Object.entries(embeddings.tensors).map(([name, t]) => [name, { type: 'float32' as const, ...t }])),
    [inputs.pointCoords]: { type: 'float32' as const, data: p.coords, dims: [1, p.count, 2] },
    [inputs.pointLabels]: { type: 'float32' as const, data: p.labels, dims: [1, p.count] },
    [inputs.maskInput]: { type: 'float32' as const, data: previous ?? new Float32Array(side * side), dims: [1, 1, side, side] },
    [inputs.hasMaskInput]: { type: 'float32' as const, data: Float32Array.of(previous ? 1 : 0), dims: [1] },
    [inputs.origImSize]: { type: 'float32' as const, data: Float32Array.of(height, width), dims: [2] },
  };
  const fromLowRes = !options.decoderMasks && masksFromLowRes.get(decoder) === true;
  const out = await decoder.run(feeds, fromLowRes ? [outputs.scores, outputs.lowResMasks] : [outputs.masks, outputs.scores, outputs.lowResMasks]);
  const scores = out[outputs.scores];
  const lowRes = out[outputs.lowResMasks];
  const k = scores.data.length;
  const expect = (t: FloatTensor, dims: number[], role: string) => {
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      throw new DataError(card.decoder.file, `output ${role} has shape [${t.dims.join(', ')}], expected [${dims.join(', ')}]`);
    }
  };
  expect(lowRes, [1, k, side, side], `"${outputs.lowResMasks}" (low_res_masks)`);
  const pixels = width * height;
  const lowResOf = (i: number) => lowRes.data.slice(i * side * side, (i + 1) * side * side);
  const ranked = rankCandidates(scores.data, p.count);
  if (fromLowRes) {
    const candidates = ranked.map((i) => {
      const low = lowResOf(i);
      return candidate(() => upscaleLowResMask(low, frame), scores.data[i], low);
    });
    return { width, height, candidates, masksFrom: 'lowRes' };
  }
  const masks = out[outputs.masks];
  expect(masks, [1, k, height, width], `"${outputs.masks}" (masks at orig_im_size)`);
  if (!options.decoderMasks && !masksFromLowRes.has(decoder))
    masksFromLowRes.set(decoder, agrees(masks.data, ranked[0], upscaleLowRes(lowResOf(ranked[0]), frame)));
  const candidates = ranked.map((i) => candidate(() => thresholdMask(masks.data, i, pixels), scores.data[i], lowResOf(i)));
  return { width, height, candidates, masksFrom: 'decoder' };
}
