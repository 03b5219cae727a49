import type { MaskEditorTool } from '../../src/core/protocol';

/** The pointer tools: each on a key, with a codicon; their labels come from the host's strings. */
export type ToolId = MaskEditorTool;

export interface ToolInfo {
  id: ToolId;
  key: string;
  icon: string;
}

export const TOOLS: readonly ToolInfo[] = [
  { id: 'brush', key: 'b', icon: 'edit' },
  { id: 'eraser', key: 'e', icon: 'eraser' },
  { id: 'ignore', key: 'i', icon: 'circle-slash' },
  { id: 'fill', key: 'g', icon: 'paintcan' },
  { id: 'wand', key: 'w', icon: 'wand' },
  { id: 'polygon', key: 'p', icon: 'type-hierarchy' },
  { id: 'smartSelect', key: 's', icon: 'sparkle' },
];

export function isBrushTool(tool: ToolId): boolean {
  return tool === 'brush' || tool === 'eraser' || tool === 'ignore';
}
