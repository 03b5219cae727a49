import type { ClassDef } from '../../src/core/classes';
import { strokeSegment, segmentBounds, type BrushShape } from '../../src/core/editing/brush';
import { growClass, removeIslands, replaceClass, shrinkClass } from '../../src/core/editing/cleanup';
import { applyDelta, type MaskDelta } from '../../src/core/editing/delta';
import { DEFAULT_WAND_TOLERANCE, floodFill, magicWand, type RgbaImage } from '../../src/core/editing/fill';
import { emptyRect, includeRect, isEmptyRect, type PixelGrid, type Rect } from '../../src/core/editing/grid';
import { fillPolygon, type FillRule } from '../../src/core/editing/polygon';
import { paintSelection } from '../../src/core/editing/selection';
import { ChangeTracker } from '../../src/core/editing/tracker';
import { ConfidenceLayer } from './confidenceLayer';
import { DisagreementLayer } from './disagreementLayer';
import { MaskLayer } from './maskLayer';
import { Renderer } from './renderer';
import { SelectionPreview } from './selectionPreview';
import type { MaskEditorStrings } from '../../src/core/protocol';
import { isBrushTool, type ToolId } from './tools';
import { Viewport } from './viewport';

type Point = { x: number; y: number };

/**
 * The editor's state and the tools' effects on the local mask copy. Each finished gesture is
 * handed to `onEdit` as one delta; repaints are batched to one per animation frame.
 */
export class Editor {
  tool: ToolId = 'brush';
  classId = 1;
  brush = { shape: 'round' as BrushShape, size: 16 };
  /** Paint only over pixels of this value (protect); undefined paints over everything. */
  onlyValue: number | undefined;
  tolerance = DEFAULT_WAND_TOLERANCE;
  fillRule: FillRule = 'evenodd';
  polygon: Point[] = [];
  readonly grid: PixelGrid;
  readonly vp: Viewport;
  readonly renderer: Renderer;
  readonly confidence = new ConfidenceLayer();
  readonly disagreement = new DisagreementLayer();
  /** Smart Select's candidate, drawn over everything else. */
  readonly preview: SelectionPreview;
  private stroke: { tracker: ChangeTracker; last: Point } | undefined;
  private dirty: Rect | undefined;
  private frame = 0;
  private rgba: RgbaImage | undefined;
  /** Called after every repaint, e.g. to refresh counts and overlays. */
  onRepaint: () => void = () => undefined;

  /** `layer` holds the mask; it may be built while the image is still decoding. */
  constructor(
    canvas: HTMLCanvasElement,
    private readonly image: ImageBitmap,
    readonly layer: MaskLayer,
    readonly classes: readonly ClassDef[],
    readonly ignoreIndex: number,
    /** The host's localised strings (undo labels here; the panels read theirs from it too). */
    readonly strings: MaskEditorStrings,
    private readonly onEdit: (label: string, delta: MaskDelta) => void,
  ) {
    this.grid = layer.grid;
    this.vp = new Viewport(image.width, image.height);
    this.preview = new SelectionPreview(image.width, image.height);
    this.renderer = new Renderer(canvas, image, this.layer, this.vp, [this.disagreement, this.confidence, this.preview]);
    this.classId = classes.find((c) => c.id !== 0)?.id ?? 0;
  }

  private get paint() {
    const value = this.tool === 'eraser' ? 0 : this.tool === 'ignore' ? this.ignoreIndex : this.classId;
    return { value, onlyValue: this.onlyValue };
  }

  private get label(): string {
    return this.strings.edits[this.tool];
  }

  /** Reads the image's pixels for the wand when idle after the tool is chosen, so its first click is quick too. */
  prepareWand(): void {
    if (!this.rgba) requestIdleCallback(() => this.imageRgba());
  }

  /** Pointer pressed at image point p (left button, not panning). */
  press(p: Point): void {
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    if (isBrushTool(this.tool)) {
      this.stroke = { tracker: new ChangeTracker(this.grid), last: p };
      this.strokeTo(p);
    } else if (this.tool === 'fill') {
      this.operation(this.label, (t) => floodFill(this.grid, t, x, y, this.paint));
    } else if (this.tool === 'wand') {
      this.operation(this.label, (t) => magicWand(this.grid, t, this.imageRgba(), x, y, this.tolerance, this.paint));
    } else if (this.tool === 'polygon') {
      this.polygon.push(p);
      this.onRepaint();
    }
  }

  /** Pointer moved (with the button down for a stroke). */
  drag(p: Point): void {
    if (this.stroke) this.strokeTo(p);
  }

  release(): void {
    if (!this.stroke) return;
    const delta = this.stroke.tracker.finish();
    this.stroke = undefined;
    if (delta) this.commit(this.label, delta);
  }

  get painting(): boolean {
    return this.stroke !== undefined;
  }

  closePolygon(): void {
    const points = this.polygon;
    this.polygon = [];
    this.operation(this.strings.edits.polygon, (t) => fillPolygon(this.grid, t, points, this.fillRule, this.paint));
    this.onRepaint();
  }

  cancelPolygon(): void {
    this.polygon = [];
    this.onRepaint();
  }

  /** A 0/1 selection of the image painted with the current class as one edit (protect mode and ignore pixels honoured). */
  commitSelection(selection: Uint8Array): void {
    this.operation(this.strings.edits.smartSelect, (t) => paintSelection(this.grid, t, selection, this.paint, this.ignoreIndex));
  }

  replaceClass(from: number, to: number): void {
    this.operation(this.strings.edits.replaceClass, (t) => replaceClass(this.grid, t, from, to));
  }

  removeIslands(minPixels: number): void {
    this.operation(this.strings.edits.removeIslands, (t) => removeIslands(this.grid, t, minPixels));
  }

  grow(): void {
    this.operation(this.strings.edits.grow, (t) => growClass(this.grid, t, this.classId, this.onlyValue));
  }

  shrink(): void {
    this.operation(this.strings.edits.shrink, (t) => shrinkClass(this.grid, t, this.classId));
  }

  /** A delta from the host (undo, redo, another editor). */
  applyRemote(delta: MaskDelta, direction: 'undo' | 'redo'): void {
    applyDelta(this.grid, delta, direction);
    this.layer.countDelta(delta, direction);
    this.invalidate(delta.rect);
  }

  replaceMask(data: Uint8Array): void {
    this.stroke = undefined;
    this.layer.replace(data);
    this.disagreement.update(this.grid);
    this.redrawAll();
  }

  redrawAll(): void {
    this.renderer.resize();
    this.renderer.draw();
    this.onRepaint();
  }

  private strokeTo(p: Point): void {
    const s = this.stroke!;
    strokeSegment(this.grid, s.tracker, s.last, p, this.brush, this.paint);
    this.invalidate(segmentBounds(s.last, p, this.brush));
    s.last = p;
  }

  private operation(label: string, run: (tracker: ChangeTracker) => void): void {
    const tracker = new ChangeTracker(this.grid);
    run(tracker);
    const delta = tracker.finish();
    if (!delta) return;
    this.invalidate(delta.rect);
    this.commit(label, delta);
  }

  private commit(label: string, delta: MaskDelta): void {
    this.layer.countDelta(delta, 'redo');
    this.onEdit(label, delta);
    this.onRepaint(); // a stroke's last repaint came before its counts changed
  }

  /** Schedules a repaint of an image rectangle, merged with others until the next frame. */
  invalidate(rect: Rect): void {
    this.dirty ??= emptyRect();
    includeRect(this.dirty, rect);
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  /** Repaints what is pending now (also called by the next animation frame). */
  flush(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const rect = this.dirty;
    this.dirty = undefined;
    if (!rect || isEmptyRect(rect)) return;
    const changed = this.layer.update(rect);
    this.disagreement.update(this.grid, changed);
    this.renderer.draw(changed);
    this.onRepaint();
  }

  /** The image's RGBA pixels as drawn, read once (the wand and pre-labeling on WebGPU share them). */
  imageRgba(): RgbaImage {
    if (!this.rgba) {
      const canvas = document.createElement('canvas');
      canvas.width = this.image.width;
      canvas.height = this.image.height;
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(this.image, 0, 0);
      this.rgba = ctx.getImageData(0, 0, canvas.width, canvas.height);
    }
    return this.rgba;
  }
}
