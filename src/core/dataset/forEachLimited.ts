/** Bounded-concurrency loops over dataset files, with progress and cancellation. */
export interface ProgressOptions {
  /** Called after each item with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Files in flight at once: enough to overlap I/O with decoding without holding many masks. */
const CONCURRENCY = 4;

/** Runs `work` over `items`, a few at a time, reporting progress and honouring `signal`. */
export async function forEachLimited<T>(items: readonly T[], work: (item: T) => Promise<void>, { onProgress, signal }: ProgressOptions = {}): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      await work(items[next++]);
      onProgress?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  signal?.throwIfAborted();
}
