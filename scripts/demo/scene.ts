// One synthetic bright-field microscopy image and its label mask. Cells are irregular blobs with
// textured cytoplasm, a dark rim and a bright halo; nuclei are darker and grainy; debris specks
// are bright or dark, so their intensities overlap every class. Per-cell staining, uneven
// illumination, blur and noise make colour thresholds fail: the classes need shape and texture.
import { boxBlur, fractalNoise, valueNoise } from './noise';
import type { Random } from './random';

export const BACKGROUND = 0;
export const CELL = 1;
export const NUCLEUS = 2;
export const DEBRIS = 3;
export const IGNORE = 255;

export interface Scene {
  size: number;
  /** RGBA, as jpeg-js wants it. */
  rgba: Uint8Array;
  /** One class id per pixel; IGNORE on a few uncertain boundary pixels when asked for. */
  mask: Uint8Array;
}

/** A perturbed ellipse: boundary radius 1 + sum(amp * cos(k * theta + phase)) in ellipse units. */
interface Blob {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  cos: number;
  sin: number;
  /** Boundary radius sampled at ANGLES directions. */
  boundary: Float32Array;
}

const ANGLES = 256;

function makeBlob(random: Random, cx: number, cy: number, radius: number, roughness: number): Blob {
  const aspect = random.range(0.65, 1);
  const angle = random.range(0, Math.PI);
  const boundary = new Float32Array(ANGLES).fill(1);
  for (let k = 2; k <= 6; k++) {
    const amp = (roughness * random.range(0.3, 1)) / k;
    const phase = random.range(0, 2 * Math.PI);
    for (let a = 0; a < ANGLES; a++) boundary[a] += amp * Math.cos((k * 2 * Math.PI * a) / ANGLES + phase);
  }
  return { cx, cy, rx: radius, ry: radius * aspect, cos: Math.cos(angle), sin: Math.sin(angle), boundary };
}

/**
 * Calls `visit(index, t, angleIndex)` for every pixel within `reach` times the blob's boundary,
 * where t = 1 on the boundary and 0 at the centre.
 */
function rasterize(blob: Blob, size: number, reach: number, visit: (i: number, t: number, a: number) => void): void {
  let maxBoundary = 0;
  for (const b of blob.boundary) maxBoundary = Math.max(maxBoundary, b);
  const extent = Math.ceil(blob.rx * maxBoundary * reach) + 1;
  const x0 = Math.max(0, Math.floor(blob.cx - extent));
  const x1 = Math.min(size - 1, Math.ceil(blob.cx + extent));
  const y0 = Math.max(0, Math.floor(blob.cy - extent));
  const y1 = Math.min(size - 1, Math.ceil(blob.cy + extent));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - blob.cx;
      const dy = y + 0.5 - blob.cy;
      const u = (dx * blob.cos + dy * blob.sin) / blob.rx;
      const v = (dy * blob.cos - dx * blob.sin) / blob.ry;
      const a = Math.round(((Math.atan2(v, u) + Math.PI) / (2 * Math.PI)) * ANGLES) % ANGLES;
      const t = Math.sqrt(u * u + v * v) / blob.boundary[a];
      if (t < reach) visit(y * size + x, t, a);
    }
  }
}

const smoothstep = (e0: number, e1: number, x: number) => {
  const t = Math.min(Math.max((x - e0) / (e1 - e0), 0), 1);
  return t * t * (3 - 2 * t);
};

type Rgb = [number, number, number];
const jitter = (random: Random, c: Rgb, amount: number): Rgb => c.map((v) => v + random.range(-amount, amount)) as Rgb;

export function renderScene(random: Random, size: number, withIgnore: boolean): Scene {
  const n = size * size;
  const mask = new Uint8Array(n);
  const owner = new Int16Array(n).fill(-1);
  const t = new Float32Array(n); // position within the cell or nucleus, 1 = boundary
  const stain = new Float32Array(n).fill(1); // per-cell staining strength
  const halo = new Float32Array(n);
  const speck = new Float32Array(n); // debris brightness, 0 = none
  const ghost = new Float32Array(n); // out-of-focus cells: background, but tinted like cytoplasm
  const ignored: number[] = [];

  // Stain colours vary per image, as between slides.
  const bgColor = jitter(random, [0.9, 0.87, 0.9], 0.04);
  const cellColor = jitter(random, [0.78, 0.6, 0.74], 0.06);
  const nucleusColor = jitter(random, [0.42, 0.3, 0.56], 0.06);

  const cells: Blob[] = [];
  const cellCount = random.int(7, 15);
  for (let tries = 0; cells.length < cellCount && tries < 400; tries++) {
    const radius = random.range(0.05, 0.1) * size;
    const cx = random.range(-0.03, 1.03) * size;
    const cy = random.range(-0.03, 1.03) * size;
    if (cells.some((c) => Math.hypot(c.cx - cx, c.cy - cy) < 0.85 * (c.rx + radius))) continue;
    cells.push(makeBlob(random, cx, cy, radius, 0.45));
  }
  cells.forEach((cell, id) => {
    const cellStain = random.range(0.75, 1.25);
    const ignoreArc = withIgnore && random.next() < 0.3 ? random.int(0, ANGLES) : -1;
    rasterize(cell, size, 1.18, (i, ti, a) => {
      if (ti >= 1) {
        if (owner[i] < 0) halo[i] = Math.max(halo[i], 1 - (ti - 1) / 0.18);
        return;
      }
      mask[i] = CELL;
      owner[i] = id;
      t[i] = ti;
      stain[i] = cellStain;
      const arc = (a - ignoreArc + ANGLES) % ANGLES;
      if (ignoreArc >= 0 && arc < ANGLES / 6 && ti > 0.93) ignored.push(i);
    });
    // The nucleus sits off-centre, inside its own cell only (later cells may cover it).
    const offset = random.range(0, 0.3) * cell.ry;
    const dir = random.range(0, 2 * Math.PI);
    const nucleus = makeBlob(random, cell.cx + offset * Math.cos(dir), cell.cy + offset * Math.sin(dir), cell.ry * random.range(0.35, 0.55), 0.25);
    rasterize(nucleus, size, 1, (i, ti) => {
      if (owner[i] !== id) return;
      mask[i] = NUCLEUS;
      t[i] = ti;
    });
  });

  const ghostCount = random.int(1, 4);
  for (let g = 0; g < ghostCount; g++) {
    const blob = makeBlob(random, random.range(0, size), random.range(0, size), random.range(0.06, 0.12) * size, 0.3);
    const strength = random.range(0.25, 0.5);
    rasterize(blob, size, 1.3, (i, ti) => {
      if (mask[i] === BACKGROUND) ghost[i] = Math.max(ghost[i], strength * (1 - smoothstep(0.6, 1.3, ti)));
    });
  }

  const debrisCount = random.int(10, 30);
  for (let d = 0; d < debrisCount; d++) {
    const brightness = random.next() < 0.4 ? random.range(1.1, 1.3) : random.range(0.35, 0.85);
    const blob = makeBlob(random, random.range(0, size), random.range(0, size), random.range(1.5, 6), 0.6);
    rasterize(blob, size, 1, (i) => {
      mask[i] = DEBRIS;
      speck[i] = brightness;
    });
  }
  for (const i of ignored) if (mask[i] === CELL) mask[i] = IGNORE;

  // Textures at three scales, and the illumination: a tilted plane, a vignette and a slow wobble.
  const coarse = fractalNoise(random, size, 96, 2);
  const cytoplasm = fractalNoise(random, size, 12, 3);
  const chromatin = fractalNoise(random, size, 5, 2);
  const grain = valueNoise(random, size, 2);
  const tilt = random.range(0.3, 0.6);
  const tiltAngle = random.range(0, 2 * Math.PI);
  const [lx, ly] = [Math.cos(tiltAngle) * tilt, Math.sin(tiltAngle) * tilt];
  const vignette = random.range(0.1, 0.25);

  const [r, g, b] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let y = 0; y < size; y++) {
    const fy = y / size - 0.5;
    for (let x = 0; x < size; x++) {
      const fx = x / size - 0.5;
      const i = y * size + x;
      const light = 1 + lx * fx + ly * fy - vignette * (fx * fx + fy * fy) * 2 + 0.06 * coarse[i];
      let color = bgColor;
      let shade: number;
      const cls = mask[i] === IGNORE ? CELL : mask[i];
      if (cls === DEBRIS) {
        color = speck[i] > 1 ? bgColor : nucleusColor;
        shade = speck[i] * (1 + 0.1 * grain[i]);
      } else if (cls === NUCLEUS) {
        color = nucleusColor;
        shade = (1 + 0.22 * chromatin[i] + 0.06 * grain[i]) * (0.7 + 0.3 * stain[i]) * (1 - 0.15 * smoothstep(0.75, 1, t[i]));
      } else if (cls === CELL) {
        color = cellColor;
        shade = ((1 + 0.12 * cytoplasm[i] + 0.05 * grain[i]) * (1 - 0.18 * smoothstep(0.8, 1, t[i]))) / stain[i];
      } else {
        shade = 1 + 0.03 * coarse[i] + 0.03 * grain[i] + 0.07 * halo[i];
      }
      const k = shade * light;
      const w = ghost[i];
      r[i] = (color[0] + (cellColor[0] - color[0]) * w) * k;
      g[i] = (color[1] + (cellColor[1] - color[1]) * w) * k;
      b[i] = (color[2] + (cellColor[2] - color[2]) * w) * k;
    }
  }

  const rgba = new Uint8ClampedArray(n * 4);
  for (const channel of [r, g, b]) {
    boxBlur(channel, size, 1);
    boxBlur(channel, size, 1);
  }
  // Camera noise: mostly shared by the channels (shot noise), a little per channel.
  const next = random.next;
  for (let i = 0; i < n; i++) {
    const shared = 0.045 * (next() + next() - 1);
    rgba[i * 4] = 255 * (r[i] + shared + 0.02 * (next() - 0.5));
    rgba[i * 4 + 1] = 255 * (g[i] + shared + 0.02 * (next() - 0.5));
    rgba[i * 4 + 2] = 255 * (b[i] + shared + 0.02 * (next() - 0.5));
    rgba[i * 4 + 3] = 255;
  }
  return { size, rgba: new Uint8Array(rgba.buffer), mask };
}
