/**
 * Whether a model runs on WebGPU in the mask editor's webview (Pre-label Image, Smart Select's
 * image encoder) or on native ONNX Runtime in the extension host: setting `seglab.webgpu`. "auto"
 * takes WebGPU only from a hardware adapter: a software fallback (SwiftShader, a GPU emulated on
 * the CPU) took 22-26 s for the demo U-Net at 128x128 that the host ran in 20-50 ms, and 12-40 s
 * for an encoder the host ran in under 1 s, on the test machine.
 */
import type { CapabilitiesMessage } from '../protocol';

/** Why the model runs in the host for an editor with these capabilities; undefined when its webview is to run it on WebGPU. */
export function webgpuRefusal(setting: string, capabilities: CapabilitiesMessage | undefined): string | undefined {
  if (setting === 'off') return 'seglab.webgpu is "off"';
  if (!capabilities) return 'the editor has not reported whether it has WebGPU yet';
  if (!capabilities.webgpu) return "the editor's webview has no WebGPU adapter";
  if (capabilities.fallbackAdapter && setting !== 'any')
    return `the editor's WebGPU adapter (${capabilities.adapter || 'unnamed'}) is a software fallback, slower than native ONNX Runtime (seglab.webgpu "any" uses it anyway)`;
  return undefined;
}
