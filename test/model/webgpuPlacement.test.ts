import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webgpuRefusal } from '../../src/core/model/webgpuPlacement';
import { MessageType } from '../../src/core/protocol';

const hardware = { type: MessageType.Capabilities, webgpu: true, adapter: 'nvidia ampere' } as const;
const swiftshader = { type: MessageType.Capabilities, webgpu: true, adapter: 'google swiftshader', fallbackAdapter: true } as const;
const none = { type: MessageType.Capabilities, webgpu: false } as const;

test('auto takes WebGPU from a hardware adapter only; any from every adapter; off never', () => {
  assert.equal(webgpuRefusal('auto', hardware), undefined);
  assert.match(webgpuRefusal('auto', swiftshader) ?? '', /adapter \(google swiftshader\) is a software fallback/);
  assert.match(webgpuRefusal('auto', none) ?? '', /no WebGPU adapter/);
  assert.match(webgpuRefusal('auto', undefined) ?? '', /not reported/);
  assert.equal(webgpuRefusal('any', swiftshader), undefined);
  assert.match(webgpuRefusal('any', none) ?? '', /no WebGPU adapter/);
  assert.match(webgpuRefusal('off', hardware) ?? '', /"off"/);
});
