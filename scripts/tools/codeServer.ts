// Installs Node 24 and code-server from npm into a tools folder (default `<repo>/.tools`), for
// `npm run demo` and the end-to-end tests. code-server needs Node 24; both come from npm.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { isolatedArgs } from './config';
import { ensureSystemPackages } from './system';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_MAJOR = 24;

const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface Tools {
  dir: string;
  /** Node 24 binary. */
  node: string;
  /** code-server's entry script, run with `node`. */
  codeServerEntry: string;
}

export function toolsPaths(dir = process.env.SEGLAB_TOOLS_DIR ?? join(repoRoot, '.tools')): Tools {
  return {
    dir,
    node: join(dir, 'node_modules', '.bin', 'node'),
    codeServerEntry: join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

/** Written last by a successful install: `code-server --version` works even when its build failed. */
const markerOf = (tools: Tools) => join(tools.dir, 'installed.json');

export function toolsInstalled(tools: Tools): boolean {
  try {
    const marker = JSON.parse(readFileSync(markerOf(tools), 'utf8'));
    return marker.codeServer === CODE_SERVER_VERSION && existsSync(tools.codeServerEntry) && nodeOk(tools.node);
  } catch {
    return false;
  }
}

/** Installs what is missing; returns the paths. Idempotent: a complete install is left alone. */
export function ensureTools(tools = toolsPaths(), log: (line: string) => void = console.log): Tools {
  if (toolsInstalled(tools)) return tools;
  // code-server's install compiles VS Code's native modules (kerberos, spdlog, …) with node-gyp.
  ensureSystemPackages('tools');
  rmSync(markerOf(tools), { force: true });
  mkdirSync(tools.dir, { recursive: true });
  const pkgPath = join(tools.dir, 'package.json');
  const pkg = existsSync(pkgPath) ? JSON.parse(readFileSync(pkgPath, 'utf8')) : { name: 'seglab-tools', private: true };
  // npm 11 blocks dependencies' install scripts unless allowScripts approves them. Only node's
  // (it fetches the platform binary and headers), code-server's (it installs its VS Code
  // dependencies) and argon2's (native module) are needed; onnxruntime-node's tries to download
  // CUDA files and fails offline.
  pkg.allowScripts = { ...pkg.allowScripts, node: true, 'code-server': true, argon2: true, 'onnxruntime-node': false };
  writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + '\n');

  const nodeHome = join(tools.dir, 'node_modules', 'node', 'node_modules', `node-linux-${process.arch}`);
  // Drop what an outer `npm run` exported (npm_config_user_agent names Node 20, and code-server's
  // install script reads its Node version from there), but the cache and prefer-offline settings
  // (npm test's fresh-machine check shares the machine's npm cache).
  const kept = /^npm_config_(cache|prefer_offline)$/i;
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || kept.test(key)));
  const env = {
    ...inherited,
    PATH: [join(tools.dir, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
    // Build native modules against Node 24's headers, not the system Node's.
    npm_config_nodedir: nodeHome,
    ONNXRUNTIME_NODE_INSTALL: 'skip',
  };
  const npm = (args: string[]) => {
    log(`[tools] npm ${args.join(' ')}`);
    execFileSync('npm', args, { cwd: tools.dir, env, stdio: 'inherit' });
  };
  // Scripts off for the tree (older npm would run them all), then exactly the ones that matter:
  // node's first, as code-server's build needs Node 24 on PATH and its headers.
  npm(['install', '--no-audit', '--no-fund', '--ignore-scripts', `node@${NODE_MAJOR}`, `code-server@${CODE_SERVER_VERSION}`]);
  npm(['rebuild', 'node']);
  if (!nodeOk(tools.node)) throw new Error(`${tools.node}: Node ${NODE_MAJOR} did not install`);
  npm(['rebuild', 'argon2', 'code-server']);
  const version = installedVersion(tools);
  if (version !== CODE_SERVER_VERSION)
    throw new Error(`${tools.codeServerEntry}: code-server ${CODE_SERVER_VERSION} did not install (found ${version ?? 'none'})`);
  checkStarts(tools);
  writeFileSync(markerOf(tools), JSON.stringify({ codeServer: version }) + '\n');
  log(`[tools] code-server ${version} with Node ${execFileSync(tools.node, ['--version'], { encoding: 'utf8' }).trim()} in ${tools.dir}`);
  return tools;
}

/** From its package.json: code-server's output is a log, whose first lines vary between runs. */
function installedVersion(tools: Tools): string | undefined {
  try {
    return JSON.parse(readFileSync(join(tools.dir, 'node_modules', 'code-server', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * Runs `code-server --version` with a config and user-data folder of its own (nothing written to
 * ~/.config): a code-server that cannot load at all exits non-zero.
 */
function checkStarts(tools: Tools): void {
  const temp = mkdtempSync(join(tmpdir(), 'seglab-code-server-'));
  try {
    const args = [tools.codeServerEntry, ...isolatedArgs(temp), '--version'];
    const r = spawnSync(tools.node, args, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0)
      throw new Error(`${tools.codeServerEntry}: code-server does not start (${r.error?.message ?? `exit ${r.status ?? r.signal}`}): ${r.stderr.trim()}`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function nodeOk(node: string): boolean {
  if (!existsSync(node)) return false;
  const r = spawnSync(node, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.startsWith(`v${NODE_MAJOR}.`);
}
