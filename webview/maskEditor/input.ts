import { clamp } from '../shared/dom';
import { fill } from '../shared/strings';
import type { Editor } from './editor';
import type { Palette } from './palette';
import { MAX_BRUSH, type Toolbar, type ViewActions } from './toolbar';
import { isBrushTool, TOOLS } from './tools';

/**
 * Pointer, wheel and keyboard handling for the canvas: tools on the left button, pan with the
 * middle button or space+drag, zoom to the pointer with the wheel, the brush outline and the
 * polygon in progress on an overlay canvas, and the status line.
 */
export class Input {
  private space = false;
  private pan: { x: number; y: number } | undefined;
  private pointer: { x: number; y: number } | undefined;

  constructor(
    private readonly editor: Editor,
    private readonly canvas: HTMLCanvasElement,
    private readonly overlay: HTMLCanvasElement,
    private readonly status: HTMLElement,
    private readonly toolbar: Toolbar,
    private readonly palette: Palette,
    private readonly view: ViewActions,
  ) {
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    canvas.addEventListener('pointerleave', () => {
      this.pointer = undefined;
      this.drawOverlay();
    });
    canvas.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    window.addEventListener('keydown', (e) => this.key(e));
    window.addEventListener('keyup', (e) => {
      if (e.code === 'Space') this.space = false;
    });
  }

  private local(e: PointerEvent | WheelEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private down(e: PointerEvent): void {
    this.canvas.focus();
    this.canvas.setPointerCapture(e.pointerId);
    if (e.button === 1 || (e.button === 0 && this.space)) {
      this.pan = { x: e.clientX, y: e.clientY };
      e.preventDefault();
    } else if (e.button === 0) {
      const s = this.local(e);
      this.editor.press(this.editor.vp.toImage(s.x, s.y));
    }
  }

  private move(e: PointerEvent): void {
    if (this.pan) {
      this.editor.vp.pan(e.clientX - this.pan.x, e.clientY - this.pan.y);
      this.pan = { x: e.clientX, y: e.clientY };
      this.editor.redrawAll();
    } else if (this.editor.painting) {
      const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      for (const c of events.length > 0 ? events : [e]) {
        const s = this.local(c);
        this.editor.drag(this.editor.vp.toImage(s.x, s.y));
      }
    }
    this.pointer = this.local(e);
    this.updateStatus();
    this.drawOverlay();
  }

  private up(e: PointerEvent): void {
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.pan = undefined;
    this.editor.release();
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    const s = this.local(e);
    this.editor.vp.zoomAt(s.x, s.y, Math.exp(-e.deltaY * 0.002), this.canvas.clientWidth, this.canvas.clientHeight);
    this.editor.redrawAll();
    this.pointer = s;
    this.updateStatus();
  }

  private key(e: KeyboardEvent): void {
    const target = e.target as HTMLElement | null;
    if (e.ctrlKey || e.metaKey || e.altKey || target?.closest('vscode-textfield, vscode-single-select, input')) return; // VS Code's keys (undo, save) and typing
    const { editor } = this;
    const tool = TOOLS.find((t) => t.key === e.key.toLowerCase());
    if (e.code === 'Space') {
      this.space = true;
      if (target === this.canvas || target === document.body) e.preventDefault();
      return;
    }
    if (tool && !e.shiftKey) this.toolbar.setTool(tool.id);
    else if (e.key === '[' || e.key === ']')
      this.toolbar.setBrushSize(clamp(editor.brush.size + (e.key === ']' ? 1 : -1) * Math.max(1, Math.round(editor.brush.size / 8)), 1, MAX_BRUSH));
    else if (/^[0-9]$/.test(e.key)) this.palette.pickByKey(Number(e.key));
    else if (e.key === 'm' || e.key === 'M') this.view.toggleMask();
    else if (e.key === 'o' || e.key === 'O') this.view.toggleOutline();
    else if (e.key === 'c' || e.key === 'C') this.view.toggleConfidence();
    else if (e.key === 'd' || e.key === 'D') this.view.toggleDisagreement();
    else if (e.key === 'F') this.view.actualSize();
    else if (e.key === 'f') this.view.fit();
    else if (e.key === '/') this.palette.focusSearch();
    else if (e.key === 'Enter' && editor.tool === 'polygon') editor.closePolygon();
    else if (e.key === 'Escape' && editor.tool === 'polygon') editor.cancelPolygon();
    else return;
    e.preventDefault();
    this.drawOverlay();
  }

  updateStatus(): void {
    const { editor } = this;
    const zoom = `${Math.round(editor.vp.scale * 100)}%`;
    const p = this.pointer && editor.vp.toImage(this.pointer.x, this.pointer.y);
    const x = p && Math.floor(p.x);
    const y = p && Math.floor(p.y);
    const inside = p !== undefined && x! >= 0 && y! >= 0 && x! < editor.grid.width && y! < editor.grid.height;
    const { status } = editor.strings;
    let text = fill(status.zoom, zoom);
    if (inside) {
      const v = editor.grid.data[y! * editor.grid.width + x!];
      const name = v === editor.ignoreIndex ? status.ignore : (editor.classes.find((c) => c.id === v)?.name ?? status.unknown);
      text = fill(status.pixel, x!, y!, name, v, text);
    }
    this.status.textContent = text;
  }

  /** The brush outline under the pointer and the polygon being drawn. */
  drawOverlay(): void {
    const { editor, overlay } = this;
    const dpr = window.devicePixelRatio || 1;
    if (overlay.width !== this.canvas.width || overlay.height !== this.canvas.height) {
      overlay.width = this.canvas.width;
      overlay.height = this.canvas.height;
    }
    const ctx = overlay.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const { scale, offsetX, offsetY } = editor.vp;
    ctx.setTransform(scale * dpr, 0, 0, scale * dpr, offsetX * dpr, offsetY * dpr);
    ctx.lineWidth = 1 / scale;
    ctx.strokeStyle = '#ffffff';
    const p = this.pointer && editor.vp.toImage(this.pointer.x, this.pointer.y);
    if (p && isBrushTool(editor.tool)) {
      const size = editor.brush.size;
      const left = Math.floor(p.x) - Math.floor((size - 1) / 2);
      const top = Math.floor(p.y) - Math.floor((size - 1) / 2);
      ctx.beginPath();
      if (editor.brush.shape === 'square') ctx.rect(left, top, size, size);
      else ctx.arc(left + size / 2, top + size / 2, size / 2, 0, Math.PI * 2);
      ctx.stroke();
    }
    if (editor.polygon.length > 0) {
      ctx.beginPath();
      editor.polygon.forEach((q, i) => (i === 0 ? ctx.moveTo(q.x, q.y) : ctx.lineTo(q.x, q.y)));
      if (p) ctx.lineTo(p.x, p.y);
      ctx.stroke();
    }
  }
}
