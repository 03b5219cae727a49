// `node --import tsx scripts/tools/install.ts`: installs Node 24 + code-server into .tools/.
import { ensureTools } from './codeServer';

const started = Date.now();
ensureTools();
console.log(`[tools] ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
