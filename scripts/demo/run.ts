// `npm run demo`: builds the extension, generates (or reuses) the demo dataset outside the
// repository and opens it with the extension loaded: in desktop VS Code when `code` is on PATH,
// otherwise in code-server on 127.0.0.1 (installed into .tools/ on first use). Ctrl+C stops it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureTools, toolsInstalled, toolsPaths } from '../tools/codeServer';
import { QUIET_SETTINGS, freePort, startCodeServer, writeUserSettings } from '../tools/launch';
import { SetupFailed } from '../tools/system';
import { GENERATOR_VERSION, MARKER_FILE, copyDemoModels, generateDemoDataset } from './generate';

const repo = resolve(__dirname, '..', '..');
const cache = join(homedir(), '.cache', 'seglab');
const datasetDir = resolve(process.env.SEGLAB_DEMO_DIR ?? join(cache, 'demo'));

function isCurrentDemo(dir: string): boolean {
  try {
    return JSON.parse(readFileSync(join(dir, MARKER_FILE), 'utf8')).generator === GENERATOR_VERSION;
  } catch {
    return false;
  }
}

/** code-server loads extensions from folders named publisher.name-version: link the repo as one. */
function linkExtension(extensionsDir: string): void {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const link = join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  mkdirSync(extensionsDir, { recursive: true });
  if (existsSync(link) || isLink(link)) rmSync(link, { recursive: false, force: true });
  symlinkSync(repo, link, 'dir');
}

const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

const hasDesktopCode = () => process.env.SEGLAB_DEMO_CODE_SERVER !== '1' && spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;

async function main(): Promise<void> {
  console.log('[demo] building the extension');
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });

  if (isCurrentDemo(datasetDir)) {
    console.log(`[demo] reusing the demo dataset in ${datasetDir}`);
    copyDemoModels(join(datasetDir, 'models'));
  } else {
    console.log(`[demo] generating the demo dataset in ${datasetDir}`);
    const summary = await generateDemoDataset(datasetDir);
    console.log(`[demo] ${summary.stems.length} images, ${summary.labeled.length} labeled, ${summary.unlabeled.length} unlabeled`);
  }

  if (hasDesktopCode()) {
    console.log('[demo] opening desktop VS Code');
    spawn('code', ['--new-window', `--extensionDevelopmentPath=${repo}`, datasetDir], { stdio: 'inherit', detached: true }).unref();
    return;
  }

  const paths = toolsPaths();
  if (!toolsInstalled(paths)) console.log(`[demo] installing Node 24 and code-server into ${paths.dir} (first run only: a few minutes, about 800 MB)`);
  const tools = ensureTools(paths);
  const userDataDir = join(cache, 'code-server', 'user-data');
  const extensionsDir = join(cache, 'code-server', 'extensions');
  if (!existsSync(join(userDataDir, 'User', 'settings.json'))) writeUserSettings(userDataDir, QUIET_SETTINGS);
  linkExtension(extensionsDir);
  const port = Number(process.env.SEGLAB_DEMO_PORT ?? (await freePort()));
  const server = await startCodeServer({ tools, port, userDataDir, extensionsDir, folder: datasetDir, logFile: join(cache, 'code-server', 'code-server.log') });
  console.log(
    `\n[demo] SegLab demo running. Open this URL in a browser:\n\n    ${server.url}\n\n[demo] Ctrl+C stops it. code-server's log: ${join(cache, 'code-server', 'code-server.log')}`,
  );
  const exitedOnItsOwn = (code: number | null) => {
    console.error(`[demo] code-server exited (${code})`);
    process.exit(1);
  };
  server.process.once('exit', exitedOnItsOwn);
  const stop = () => {
    server.process.off('exit', exitedOnItsOwn);
    console.log('[demo] stopping code-server');
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  if (!(e instanceof SetupFailed)) console.error(`[demo] ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
