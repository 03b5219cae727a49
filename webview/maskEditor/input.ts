import { clamp } from '../shared/dom';
import { fill } from '../shared/strings';
import type { Editor } from './editor';
import type { Palette } from './palette';
import { MAX_BRUSH, type Toolbar, type ViewActions } from './toolbar';
import type { SmartSelect } from './smartSelect';
import { isBrushTool, TOOLS } from './tools';

/** Screen pixels a Smart Select press must move to draw a box rather than click. */
const BOX_DRAG = 4;
/** A second click this soon and this close to the first is a double-click's: it commits instead of adding a point. */
const DOUBLE_CLICK = { ms: 500, px: 4 };
const POINT_COLORS = { positive: '#2ecc40', negative: '#ff4136', box: '#ffdc00' };

/**
 * Pointer, wheel and keyboard handling for the canvas: tools on the left button, pan with the
 * middle button or space+drag, zoom to the pointer with the wheel, the brush outline and the
 * polygon in progress on an overlay canvas, and the status line.
 */
export class Input {
  private space = false;
  private pan: { x: number; y: number } | undefined;
  private pointer: { x: number; y: number } | undefined;
  /** A Smart Select press in progress (screen point), a box once it moved. */
  private smartPress: { at: { x: number; y: number }; positive: boolean; box: boolean } | undefined;
  private lastClick: { x: number; y: number; t: number } | undefined;

  constructor(
    private readonly editor: Editor,
    private readonly canvas: HTMLCanvasElement,
    private readonly overlay: HTMLCanvasElement,
    private readonly status: HTMLElement,
    private readonly toolbar: Toolbar,
    private readonly palette: Palette,
    private readonly view: ViewActions,
    private readonly smart: SmartSelect,
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
    // Right click is Smart Select's negative point, not a menu (a double-click's commit is in smartRelease).
    canvas.addEventListener('contextmenu', (e) => this.editor.tool === 'smartSelect' && e.preventDefault());
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
    } else if (this.editor.tool === 'smartSelect' && (e.button === 0 || e.button === 2)) {
      this.smartPress = { at: this.local(e), positive: e.button === 0 && !e.altKey, box: false };
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
    } else if (this.smartPress?.positive) {
      const s = this.local(e);
      if (Math.hypot(s.x - this.smartPress.at.x, s.y - this.smartPress.at.y) > BOX_DRAG) this.smartPress.box = true;
    }
    this.pointer = this.local(e);
    this.updateStatus();
    this.drawOverlay();
  }

  private up(e: PointerEvent): void {
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.pan = undefined;
    this.editor.release();
    const press = this.smartPress;
    this.smartPress = undefined;
    if (press) this.smartRelease(press, this.local(e), e.timeStamp);
  }

  /** A Smart Select click or box, in image pixels (x = column, y = row). */
  private smartRelease(press: NonNullable<Input['smartPress']>, end: { x: number; y: number }, t: number): void {
    const { vp, grid } = this.editor;
    const pixel = (s: { x: number; y: number }) => {
      const p = vp.toImage(s.x, s.y);
      return { x: clamp(Math.floor(p.x), 0, grid.width - 1), y: clamp(Math.floor(p.y), 0, grid.height - 1) };
    };
    const a = pixel(press.at);
    if (press.box) {
      const b = pixel(end);
      this.smart.addBox({ x0: a.x, y0: a.y, x1: b.x, y1: b.y });
      return;
    }
    const last = this.lastClick;
    this.lastClick = { ...end, t };
    // A double-click's second click commits what its first click belongs to; once Enter or Esc ended that
    // selection there is nothing to commit, and a quick click on the same spot starts the next one.
    const double = last && t - last.t < DOUBLE_CLICK.ms && Math.hypot(end.x - last.x, end.y - last.y) <= DOUBLE_CLICK.px;
    if (press.positive && double && this.smart.promptCount > 0) {
      this.lastClick = undefined;
      this.smart.commit();
      return;
    }
    this.smart.addPoint(a.x, a.y, press.positive);
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
    if (editor.tool === 'smartSelect' && this.smartKey(e.key)) {
      e.preventDefault();
      this.drawOverlay();
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

  /** Smart Select's keys; false when `key` is not one (Tab without prompts keeps moving the focus). */
  private smartKey(key: string): boolean {
    const { smart } = this;
    if (key === 'Enter') smart.commit();
    else if (key === 'Escape') smart.discard();
    else if (key === 'Backspace') smart.removeLast();
    else if (key === 'Tab' && smart.prompts.length > 0) smart.cycle();
    else return false;
    return true;
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
    this.status.textContent = editor.tool === 'smartSelect' && this.smart.message ? `${this.smart.message} · ${text}` : text;
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
    if (editor.tool === 'smartSelect') this.drawPrompts(ctx, scale, p);
  }

  /** Smart Select's points (green adds, red removes) and boxes, and the box being dragged. */
  private drawPrompts(ctx: CanvasRenderingContext2D, scale: number, pointer: { x: number; y: number } | undefined): void {
    ctx.lineWidth = 2 / scale;
    for (const q of this.smart.prompts) {
      ctx.beginPath();
      if (q.kind === 'point') {
        ctx.arc(q.x + 0.5, q.y + 0.5, 5 / scale, 0, Math.PI * 2);
        ctx.fillStyle = q.positive ? POINT_COLORS.positive : POINT_COLORS.negative;
        ctx.fill();
        ctx.strokeStyle = '#ffffff';
      } else {
        ctx.rect(Math.min(q.x0, q.x1), Math.min(q.y0, q.y1), Math.abs(q.x1 - q.x0) + 1, Math.abs(q.y1 - q.y0) + 1);
        ctx.strokeStyle = POINT_COLORS.box;
      }
      ctx.stroke();
    }
    const press = this.smartPress;
    if (press?.box && pointer) {
      const a = this.editor.vp.toImage(press.at.x, press.at.y);
      ctx.beginPath();
      ctx.rect(a.x, a.y, pointer.x - a.x, pointer.y - a.y);
      ctx.strokeStyle = POINT_COLORS.box;
      ctx.stroke();
    }
  }
}
