/**
 * Where Smart Select runs an image encoder (setting `seglab.smartSelect.encoder`): on WebGPU in
 * the mask editor's webview, or on native ONNX Runtime in the extension host. "auto" takes WebGPU
 * only from a hardware adapter: a software fallback (SwiftShader, a GPU emulated on the CPU) took
 * 12-40 s for an encoder the host ran in under 1 s on the test machine.
 */
import type { CapabilitiesMessage } from '../../protocol';

/** Why the encoder runs in the host for an editor with these capabilities; undefined when its webview is to run it on WebGPU. */
export function hostEncoderReason(setting: string, capabilities: CapabilitiesMessage | undefined): string | undefined {
  if (setting === 'host') return 'seglab.smartSelect.encoder is "host"';
  if (!capabilities) return 'the editor has not reported whether it has WebGPU yet';
  if (!capabilities.webgpu) return "the editor's webview has no WebGPU adapter";
  if (capabilities.fallbackAdapter && setting !== 'webgpu')
    return `the editor's WebGPU adapter (${capabilities.adapter || 'unnamed'}) is a software fallback, slower than native ONNX Runtime (seglab.smartSelect.encoder "webgpu" uses it anyway)`;
  return undefined;
}
