import { createInterface } from 'node:readline';
import { errorMessage } from '../../core/errors';
import { EmbeddingCache } from '../../core/model/promptable/embeddingCache';
import { releasePromptableModel } from '../../core/model/promptable/load';
import { folderEmbeddingStore } from '../../node/embeddingStore';
import { NodeFileSystem } from '../../node/nodeFileSystem';
import { loadNativePromptable } from '../../node/promptableSessions';
import { intOption, stringOption, UsageError, type Parsed } from '../args';
import { parseBoxOption, parsePointsOption, parseRequestLine, RequestError } from '../clickRequest';
import { ClickRunner, type ClickAnswer } from '../clickRunner';
import type { Command } from '../command';
import { json, type Io } from '../output';

const round = (ms: number) => Math.round(ms * 10) / 10;
const answerJson = (a: ClickAnswer) => ({
  out: a.out,
  score: a.score,
  ms: round(a.ms),
  encodeMs: round(a.encodeMs),
  decodeMs: round(a.decodeMs),
  embeddings: a.embeddings,
  scores: a.scores,
});

const DEFAULT_CACHE_MB = 2048;

/** One JSON line per request line; a bad request gets {"line", "error"} and the session goes on. */
export async function session(runner: ClickRunner, lines: AsyncIterable<string>, io: Io): Promise<void> {
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    try {
      const a = await runner.click(parseRequestLine(line), `request line ${n}`);
      io.out(JSON.stringify({ line: n, ...answerJson(a) }));
    } catch (error) {
      io.out(JSON.stringify({ line: n, error: errorMessage(error) }));
    }
  }
}

export const clickCommand: Command = {
  name: 'click',
  summary: 'Smart Select from the command line: a mask from point/box prompts and a promptable model',
  help: `Usage: seglab click <image> --model <card.json> --points "x,y,1 x,y,0" [--box x0,y0,x1,y1]
                    [--previous <mask.png>] --out <mask.png> [--json]
       seglab click --session --model <card.json>

Runs a promptable (SAM-format) model: the encoder on the image, the decoder on the prompts, and
writes the best candidate as an 8-bit PNG of 0 and 1 of the image's size. Points are image
pixels, x = column, y = row; label 1 adds, 0 removes. --previous refines an earlier mask (its
logits go back in as SAM's mask_input). The card is written by "seglab card <encoder.onnx>
<decoder.onnx>".

With --session, reads one JSON request a line on stdin:
  {"image": "a.jpg", "points": [[x, y, 1], ...], "box": [x0, y0, x1, y1], "previous": "m.png", "out": "m.png"}
(box and previous optional) and answers one JSON line each, {line, out, score, ms, encodeMs,
decodeMs, embeddings ("encoder", "memory" or "disk"), scores}, or {line, error} for a request that fails; the session goes on. Embeddings
stay in memory, so later clicks on an image skip the encoder; a "previous" that this session
wrote is refined from its exact low-resolution logits.

Options:
  --model <card.json>   the promptable model's card (required)
  --points "x,y,l ..."  prompt points, space-separated
  --box x0,y0,x1,y1     a box prompt
  --previous <mask.png> the mask being refined (0 and non-zero values)
  --out <mask.png>      where to write the mask (required)
  --session             read requests from stdin instead
  --threads N           inference threads (default: cores, at most 4)
  --cache <dir>         keep embeddings on disk there, keyed by encoder and image sha256
  --cache-mb N          the cache's size limit; least recently used entries go (default 2048)
  --json                print {out, score, ms, encodeMs, decodeMs, embeddings, scores}
  -h, --help            show this help

Exit codes: 0 mask written (or the session ended), 1 the model, image or a mask cannot be used,
2 usage error.`,
  options: {
    model: { type: 'string' },
    points: { type: 'string' },
    box: { type: 'string' },
    previous: { type: 'string' },
    out: { type: 'string' },
    session: { type: 'boolean' },
    threads: { type: 'string' },
    cache: { type: 'string' },
    'cache-mb': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(parsed: Parsed, io: Io): Promise<number> {
    const cardPath = stringOption(parsed, 'model');
    if (cardPath === undefined) throw new UsageError('--model <card.json> is required');
    const isSession = Boolean(parsed.values.session);
    if (isSession && (parsed.positionals.length > 0 || ['points', 'box', 'previous', 'out'].some((k) => parsed.values[k] !== undefined))) {
      throw new UsageError('--session takes its images and prompts from stdin: no <image>, --points, --box, --previous or --out');
    }
    let request;
    if (!isSession) {
      if (parsed.positionals.length !== 1) throw new UsageError('expected <image>');
      const out = stringOption(parsed, 'out');
      if (out === undefined) throw new UsageError('--out <mask.png> is required');
      const points = stringOption(parsed, 'points');
      const box = stringOption(parsed, 'box');
      if (points === undefined && box === undefined) throw new UsageError('give --points and/or --box');
      try {
        request = {
          image: parsed.positionals[0],
          prompt: { points: points === undefined ? [] : parsePointsOption(points), box: box === undefined ? undefined : parseBoxOption(box) },
          previous: stringOption(parsed, 'previous'),
          out,
        };
      } catch (error) {
        if (error instanceof RequestError) throw new UsageError(error.message);
        throw error;
      }
    }
    const fs = new NodeFileSystem();
    if ((await fs.stat(cardPath))?.type !== 'file') throw new UsageError(`${cardPath}: no such file (--model)`);
    const model = await loadNativePromptable(cardPath, intOption(parsed, 'threads', 1, 64));
    try {
      const cacheDir = stringOption(parsed, 'cache');
      const cacheMb = intOption(parsed, 'cache-mb', 1, 1_000_000) ?? DEFAULT_CACHE_MB;
      const runner = new ClickRunner(model, fs, cacheDir === undefined ? undefined : new EmbeddingCache(folderEmbeddingStore(cacheDir), cacheMb * 1e6));
      if (!request) {
        await session(runner, createInterface({ input: process.stdin, crlfDelay: Infinity }), io);
        return 0;
      }
      const a = await runner.click(request, 'the command line');
      if (parsed.values.json) io.out(json(answerJson(a)));
      else io.out(`${a.out}: score ${a.score.toFixed(3)}, ${round(a.ms)} ms`);
      return 0;
    } finally {
      await releasePromptableModel(model);
    }
  },
};
