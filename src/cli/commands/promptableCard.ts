/** `seglab card <encoder.onnx> <decoder.onnx>`: the promptable card of a SAM-format pair, asking nothing. */
import { formatPromptableCard } from '../../core/model/promptable/card';
import { recogniseSam, type PromptablePart } from '../../core/model/promptable/recognise';
import { baseName, dirName, normalPath, stemOf } from '../../core/paths';
import { NodeFileSystem } from '../../node/nodeFileSystem';
import { createNativeSession } from '../../node/promptableSessions';
import { sha256Hex } from '../../core/hash';
import { UsageError } from '../args';
import type { Io } from '../output';

/** "sam_vit_b.encoder.onnx" -> "sam_vit_b"; "mobile_sam_encoder.onnx" -> "mobile_sam". */
export const pairName = (encoderPath: string) => stemOf(baseName(encoderPath)).replace(/[._-]?(image[._-]?)?encoder$/i, '') || stemOf(baseName(encoderPath));

async function readPart(fs: NodeFileSystem, path: string): Promise<PromptablePart> {
  if ((await fs.stat(path))?.type !== 'file') throw new UsageError(`${path}: no such file`);
  const bytes = await fs.readFile(path);
  const session = await createNativeSession(bytes, 1);
  try {
    return { path, file: baseName(path), sha256: await sha256Hex(bytes), io: session.io };
  } finally {
    await session.release();
  }
}

export async function writePromptableCard(
  encoderPath: string,
  decoderPath: string,
  name: string | undefined,
  out: string | undefined,
  io: Io,
): Promise<number> {
  const folder = normalPath(dirName(encoderPath));
  if (normalPath(dirName(decoderPath)) !== folder)
    throw new UsageError('the encoder and the decoder must be in one folder (the card names them relative to itself)');
  if (out !== undefined && normalPath(dirName(out)) !== folder) throw new UsageError(`--out: the card goes next to its two files, in ${folder}`);
  const fs = new NodeFileSystem();
  const card = recogniseSam(name ?? pairName(encoderPath), await readPart(fs, encoderPath), await readPart(fs, decoderPath));
  const text = formatPromptableCard(card);
  if (out === undefined) io.out(text.trimEnd());
  else {
    await fs.writeFileAtomic(out, new TextEncoder().encode(text));
    io.err(`seglab card: wrote ${out}`);
  }
  return 0;
}
