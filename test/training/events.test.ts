import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEvent, parseSse, type ProgressEvent, type SseMessage } from '../../src/training/events';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const m of parseSse(streamOf(chunks))) out.push(m);
  return out;
}

test('SSE messages split across chunks, CRLF lines, comments and multi-line data', async () => {
  const text =
    'id: 1\nevent: progress\ndata: {"type":"step"}\n\n: keep-alive\n\nid: 2\r\nevent: progress\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: end\ndata: {"state":"succeeded"}\n\n';
  const expected: SseMessage[] = [
    { id: '1', event: 'progress', data: '{"type":"step"}' },
    { id: '2', event: 'progress', data: '{"a":\n1}' },
    { id: undefined, event: 'end', data: '{"state":"succeeded"}' },
  ];
  assert.deepEqual(await collect([text]), expected);
  // Split points anywhere, inside "\r\n" included, give the same messages.
  for (let i = 1; i < text.length; i += 7) assert.deepEqual(await collect([text.slice(0, i), text.slice(i)]), expected, `split at ${i}`);
});

test('progress lines for the log', () => {
  assert.equal(
    describeEvent({ type: 'epoch', epoch: 3, loss: 0.41234, val: { miou: 0.625 }, best: true, imagesPerSecond: 12.3 }),
    'epoch 3: loss 0.4123, val mIoU 0.6250 (best), 12.3 img/s',
  );
  assert.equal(describeEvent({ type: 'error', message: 'CUDA out of memory' }), 'error: CUDA out of memory');
  assert.equal(describeEvent({ type: 'step', step: 1 }), undefined);
  // As the trainer writes it (its `val` is the val image count there), parsed as the event stream is.
  const start = '{"type":"start","arch":"unet","device":"cpu","train":14,"val":2,"startEpoch":0,"epochs":10000,"init":{"init":"/j/out","loaded":46,"of":46}}';
  assert.equal(describeEvent(JSON.parse(start) as ProgressEvent), 'start: unet on cpu, 14 train / 2 val images, epochs 0..10000, from /j/out (46/46 tensors)');
});
