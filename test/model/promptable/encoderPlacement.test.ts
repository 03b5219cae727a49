import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostEncoderReason } from '../../../src/core/model/promptable/encoderPlacement';
import { MessageType } from '../../../src/core/protocol';

const hardware = { type: MessageType.Capabilities, webgpu: true, adapter: 'nvidia ampere' } as const;
const swiftshader = { type: MessageType.Capabilities, webgpu: true, adapter: 'google swiftshader', fallbackAdapter: true } as const;
const none = { type: MessageType.Capabilities, webgpu: false } as const;

test('auto runs the encoder on a hardware WebGPU adapter only; webgpu on any adapter; host never in the webview', () => {
  assert.equal(hostEncoderReason('auto', hardware), undefined);
  assert.match(hostEncoderReason('auto', swiftshader) ?? '', /adapter \(google swiftshader\) is a software fallback/);
  assert.match(hostEncoderReason('auto', none) ?? '', /no WebGPU adapter/);
  assert.match(hostEncoderReason('auto', undefined) ?? '', /not reported/);
  assert.equal(hostEncoderReason('webgpu', swiftshader), undefined);
  assert.match(hostEncoderReason('webgpu', none) ?? '', /no WebGPU adapter/);
  assert.match(hostEncoderReason('host', hardware) ?? '', /"host"/);
});
