/** The pointer tools: each on a key, with a codicon and a label for screen readers. */
export type ToolId = 'brush' | 'eraser' | 'ignore' | 'fill' | 'wand' | 'polygon';

export interface ToolInfo {
  id: ToolId;
  key: string;
  label: string;
  icon: string;
  /** Undo/redo label of the edit it makes. */
  editLabel: string;
}

export const TOOLS: readonly ToolInfo[] = [
  { id: 'brush', key: 'b', label: 'Brush (B)', icon: 'edit', editLabel: 'Brush stroke' },
  { id: 'eraser', key: 'e', label: 'Eraser (E)', icon: 'eraser', editLabel: 'Erase' },
  { id: 'ignore', key: 'i', label: 'Ignore brush (I)', icon: 'circle-slash', editLabel: 'Ignore brush stroke' },
  { id: 'fill', key: 'g', label: 'Flood fill (G)', icon: 'paintcan', editLabel: 'Flood fill' },
  { id: 'wand', key: 'w', label: 'Magic wand (W)', icon: 'wand', editLabel: 'Magic wand' },
  { id: 'polygon', key: 'p', label: 'Polygon fill (P; Enter closes, Esc cancels)', icon: 'type-hierarchy', editLabel: 'Polygon fill' },
];

export function isBrushTool(tool: ToolId): boolean {
  return tool === 'brush' || tool === 'eraser' || tool === 'ignore';
}
