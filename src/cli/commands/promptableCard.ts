/** `seglab card <encoder.onnx> <decoder.onnx>`: the promptable card of a SAM-format pair, asking nothing. */
import { formatPromptableCard } from '../../core/model/promptable/card';
import { pairName, recogniseSam, type PromptablePart } from '../../core/model/promptable/recognise';
import { dirName, normalPath } from '../../core/paths';
import { NodeFileSystem } from '../../node/nodeFileSystem';
import { promptablePart } from '../../node/promptableSessions';
import { UsageError } from '../args';
import type { Io } from '../output';

async function readPart(fs: NodeFileSystem, path: string): Promise<PromptablePart> {
  if ((await fs.stat(path))?.type !== 'file') throw new UsageError(`${path}: no such file`);
  return promptablePart(await fs.readFile(path), path);
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
