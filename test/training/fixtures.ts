/** A generated dataset with learnable structure and the real training service, for the training tests. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { ClassDef } from '../../src/core/classes';
import { startBackendProcess, type BackendProcess } from '../../src/training/backendProcess';
import { indexedMask, writeFile } from '../core/dataset/fixtures';
import { rng } from '../core/metrics/random';

export const CLASSES: ClassDef[] = [
  { id: 0, name: 'background', color: [0, 0, 0] },
  { id: 1, name: 'red', color: [200, 0, 0] },
  { id: 2, name: 'blue', color: [0, 0, 200] },
];
const SIZE = 64;

/**
 * `labeled` + `unlabeled` 64x64 images: a dark noisy background with a reddish square (class 1)
 * and a bluish disc (class 2) at random places. The first `labeled` get masks, one pixel border
 * of each square marked 255 (ignored).
 */
export function makeShapesDataset(root: string, labeled: number, unlabeled: number): { labeled: string[]; unlabeled: string[] } {
  writeFile(join(root, 'seglab.json'), JSON.stringify({ name: 'shapes', classes: CLASSES }));
  const stems: string[] = [];
  for (let n = 0; n < labeled + unlabeled; n++) {
    const random = rng(n + 1);
    const stem = `shape${String(n).padStart(2, '0')}`;
    stems.push(stem);
    const rgb = new Uint8Array(SIZE * SIZE * 3);
    const mask = new Uint8Array(SIZE * SIZE);
    const sx = Math.floor(random() * 36),
      sy = Math.floor(random() * 36),
      side = 14 + Math.floor(random() * 12);
    const cx = 10 + random() * 44,
      cy = 10 + random() * 44,
      r = 6 + random() * 6;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const i = y * SIZE + x;
        const noise = Math.floor(random() * 40);
        let c = 0;
        if (x >= sx && x < sx + side && y >= sy && y < sy + side) c = 1;
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) c = 2;
        const colour = c === 1 ? [180, 40, 40] : c === 2 ? [40, 40, 180] : [30, 30, 30];
        rgb.set(
          colour.map((v) => Math.min(255, v + noise)),
          i * 3,
        );
        mask[i] = c;
      }
    }
    writeFile(join(root, 'images', `${stem}.png`), encodePng({ width: SIZE, height: SIZE, data: rgb, channels: 3, depth: 8 }));
    if (n < labeled) writeFile(join(root, 'masks', `${stem}.png`), indexedMask(SIZE, SIZE, mask));
  }
  return { labeled: stems.slice(0, labeled), unlabeled: stems.slice(labeled) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Debian's Python here (the one that sees python3-torch); SEGLAB_PYTHON elsewhere. */
export const PYTHON = process.env.SEGLAB_PYTHON ?? '/usr/bin/python3';

/** Why the service cannot run here (no PyTorch, FastAPI, …), or undefined when it can. */
export function serviceUnavailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision, onnx, fastapi, uvicorn'], { encoding: 'utf8' });
  return r.status === 0
    ? undefined
    : `${PYTHON} cannot run the trainer service (${(r.error?.message ?? r.stderr.trim().split('\n').pop()) || 'unknown error'}); set SEGLAB_PYTHON`;
}

/** The real service from backend/, on a free port with a fresh token. */
export type Service = BackendProcess & { token: string };

export async function startService(dataDir: string): Promise<Service> {
  const token = randomBytes(16).toString('hex');
  const backendDir = join(__dirname, '..', '..', 'backend');
  const service = await startBackendProcess({ python: PYTHON, backendDir, port: await freePort(), dataDir, token, timeoutMs: 30_000 });
  return { ...service, token };
}
