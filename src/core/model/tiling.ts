/**
 * Sliding-window layout for images larger than the model's comfortable input: tiles of a fixed
 * size on a grid aligned to the model's multiple-of (so every tile sees the same downsampling
 * grid as the whole image would), overlapping by `overlap` pixels, blended with weights that
 * ramp up linearly over the overlap so seams do not show.
 */
import { roundUp } from './preprocess';

export interface TileGrid {
  /** Pixels shared by neighbouring tiles (blended). */
  overlap: number;
  /** Tile side along each axis (the padded image side when it is smaller than the tile). */
  tileHeight: number;
  tileWidth: number;
  ys: number[];
  xs: number[];
}

/** Tile origins along one axis of `length` (already a multiple of m): 0, s, 2s, ..., length - tile. */
export function tileOrigins(length: number, tile: number, overlap: number, m: number): number[] {
  if (tile >= length) return [0];
  const stride = Math.max(m, Math.floor((tile - overlap) / m) * m);
  const origins: number[] = [];
  for (let o = 0; o + tile < length; o += stride) origins.push(o);
  origins.push(length - tile);
  return origins;
}

/** Grid over the image padded to multiples of m; tile sides are rounded up to multiples of m. */
export function tileGrid(width: number, height: number, tile: number, overlap: number, m: number): TileGrid {
  const ph = roundUp(height, m);
  const pw = roundUp(width, m);
  const t = roundUp(tile, m);
  const tileHeight = Math.min(t, ph);
  const tileWidth = Math.min(t, pw);
  return { tileHeight, tileWidth, ys: tileOrigins(ph, tileHeight, overlap, m), xs: tileOrigins(pw, tileWidth, overlap, m), overlap };
}

/** Blend weight along one tile axis: 1 in the middle, falling linearly to 1/(overlap+1) at the edges. */
export function rampWeights(size: number, overlap: number): Float32Array {
  const w = new Float32Array(size);
  const ramp = overlap + 1;
  for (let i = 0; i < size; i++) w[i] = Math.min(1, (i + 1) / ramp, (size - i) / ramp);
  return w;
}
