/**
 * Recognising SAM's ONNX signature from the two files' input/output names, shapes and types,
 * and writing the promptable card with SAM's preprocessing: what `seglab card <encoder>
 * <decoder>` and "Add Model…" do without asking anything.
 */
import { DataError } from '../../errors';
import { PROMPTABLE_KIND, SAM_DECODER_NAMES, SAM_FRAME, SAM_MEAN, SAM_STD, type EncoderInputSpec, type PromptableCard } from './card';
import { baseName, stemOf } from '../../paths';
import type { NamedTensorInfo, SessionIo } from './session';

export interface PromptablePart {
  /** The file's path (named in errors) and its name next to the card. */
  path: string;
  file: string;
  sha256: string;
  io: SessionIo;
}

/** The model's name from its encoder file: "sam_vit_b.encoder.onnx" -> "sam_vit_b"; "mobile_sam_encoder.onnx" -> "mobile_sam". */
export const pairName = (encoderPath: string) => stemOf(baseName(encoderPath)).replace(/[._-]?(image[._-]?)?encoder$/i, '') || stemOf(baseName(encoderPath));

const list = (ts: NamedTensorInfo[]) => ts.map((t) => t.name).join(', ') || 'none';
const describe = (t: NamedTensorInfo) => `"${t.name}" [${t.shape?.join(', ') ?? '?'}] ${t.type ?? ''}`.trimEnd();

/** The encoder's single image input: [1, 3, S, S] (NCHW) or [S, S, 3] (HWC), float32 or uint8. */
function encoderInputSpec(part: PromptablePart): EncoderInputSpec {
  if (part.io.inputs.length !== 1) throw new DataError(part.path, `not a SAM image encoder: expected one image input, found ${list(part.io.inputs)}`);
  const input = part.io.inputs[0];
  const shape = input.shape ?? [];
  const dtype = input.type === 'uint8' ? 'uint8' : input.type === 'float32' ? 'float32' : undefined;
  if (!dtype) throw new DataError(part.path, `input ${describe(input)}: expected float32 or uint8 pixels`);
  const side = (a: number | string | undefined, b: number | string | undefined) => {
    if (typeof a === 'number' && typeof b === 'number' && a !== b)
      throw new DataError(part.path, `input ${describe(input)}: expected a square frame (SAM: 1024x1024)`);
    return typeof a === 'number' ? a : typeof b === 'number' ? b : SAM_FRAME;
  };
  const identity = { mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
  const norm = dtype === 'uint8' ? identity : { mean: [...SAM_MEAN] as [number, number, number], std: [...SAM_STD] as [number, number, number] };
  if (shape.length === 4 && shape[1] === 3) return { name: input.name, layout: 'NCHW', dtype, size: side(shape[2], shape[3]), ...norm };
  if (shape.length === 3 && shape[2] === 3) return { name: input.name, layout: 'HWC', dtype, size: side(shape[0], shape[1]), ...norm };
  throw new DataError(part.path, `input ${describe(input)}: expected [1, 3, S, S] (NCHW) or [S, S, 3] (HWC)`);
}

export function recogniseSam(name: string, encoder: PromptablePart, decoder: PromptablePart): PromptableCard {
  const has = (ts: NamedTensorInfo[], n: string) => ts.some((t) => t.name === n);
  const roleInputs = Object.values(SAM_DECODER_NAMES.inputs);
  const missingIn = roleInputs.filter((n) => !has(decoder.io.inputs, n));
  const missingOut = Object.values(SAM_DECODER_NAMES.outputs).filter((n) => !has(decoder.io.outputs, n));
  if (missingIn.length + missingOut.length > 0) {
    throw new DataError(
      decoder.path,
      `not SAM's prompt decoder signature: missing ${[...missingIn.map((n) => `input "${n}"`), ...missingOut.map((n) => `output "${n}"`)].join(', ')} ` +
        `(it has inputs ${list(decoder.io.inputs)}; outputs ${list(decoder.io.outputs)}). A renamed export needs a card written by hand with "decoder.inputs"/"decoder.outputs".`,
    );
  }
  const embeddings: Record<string, string> = {};
  for (const input of decoder.io.inputs.filter((t) => !roleInputs.includes(t.name))) {
    if (!has(encoder.io.outputs, input.name)) {
      throw new DataError(
        decoder.path,
        `decoder input "${input.name}" is neither a prompt input nor an output of ${encoder.file} (its outputs: ${list(encoder.io.outputs)})`,
      );
    }
    embeddings[input.name] = input.name;
  }
  if (Object.keys(embeddings).length === 0)
    throw new DataError(decoder.path, `no decoder input takes an output of ${encoder.file} (its outputs: ${list(encoder.io.outputs)})`);
  return {
    kind: PROMPTABLE_KIND,
    family: 'sam',
    name,
    encoder: { file: encoder.file, sha256: encoder.sha256, input: encoderInputSpec(encoder) },
    decoder: { file: decoder.file, sha256: decoder.sha256, ...structuredClone(SAM_DECODER_NAMES) },
    embeddings,
  };
}
