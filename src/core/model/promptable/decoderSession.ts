/**
 * A SAM decoder as two sessions: the export as it is, and the same graph without its `masks`
 * output (onnxPrune.ts), which runs the prompts that fetch only the scores and the low-resolution
 * masks: then none of the candidates is upscaled inside the graph (predictor.ts upscales the one
 * on show). An export that cannot be pruned, or whose pruned graph ONNX Runtime refuses, keeps
 * the one session: the pruned graph only saves time, the full one gives the same answer.
 */
import { withoutOutputs } from './onnxPrune';
import type { MultiSession } from './session';

export async function openDecoderSession(bytes: Uint8Array, masksOutput: string, create: (bytes: Uint8Array) => Promise<MultiSession>): Promise<MultiSession> {
  const full = await create(bytes);
  const prunedBytes = withoutOutputs(bytes, [masksOutput]);
  if (!prunedBytes) return full;
  const pruned = await create(prunedBytes).catch(() => undefined);
  if (!pruned) return full;
  const inputs = new Set(pruned.io.inputs.map((t) => t.name));
  return {
    provider: full.provider,
    io: full.io,
    run: (feeds, fetches) =>
      fetches.includes(masksOutput)
        ? full.run(feeds, fetches)
        : pruned.run(Object.fromEntries(Object.entries(feeds).filter(([name]) => inputs.has(name))), fetches),
    release: async () => {
      await pruned.release();
      await full.release();
    },
  };
}
