import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestTracker } from '../../src/core/requestTracker';

test('a reply settles the request of its id, once; unknown and late ids are dropped', async () => {
  const tracker = new RequestTracker<string>();
  const a = tracker.open();
  const b = tracker.open();
  assert.notEqual(a.id, b.id);
  assert.equal(tracker.settle(b.id, 'to b'), true);
  assert.equal(tracker.settle(a.id, 'to a'), true);
  assert.equal(await a.reply, 'to a');
  assert.equal(await b.reply, 'to b');
  assert.equal(tracker.settle(a.id, 'again'), false);
  assert.equal(tracker.settle(99, 'unknown'), false);
});

test('cancel rejects one request and drops its late reply; dispose rejects all that wait', async () => {
  const tracker = new RequestTracker<string>();
  const a = tracker.open();
  const b = tracker.open();
  const c = tracker.open();
  tracker.cancel(a.id, new Error('cancelled'));
  await assert.rejects(a.reply, /cancelled/);
  assert.equal(tracker.settle(a.id, 'late'), false);
  tracker.settle(b.id, 'done');
  tracker.dispose(new Error('closed'));
  assert.equal(await b.reply, 'done');
  await assert.rejects(c.reply, /closed/);
});
