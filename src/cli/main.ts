/** `seglab`: dataset info, mIoU, layout conversion, pre-labeling and model cards from the command line. */
import { DataError, errorStack } from '../core/errors';
import { useNodeZlib } from '../node/zlibCodec';
import { parse, UsageError } from './args';
import type { Command } from './command';
import { cardCommand } from './commands/card';
import { clickCommand } from './commands/click';
import { convertCommand } from './commands/convert';
import { embedCommand } from './commands/embed';
import { infoCommand } from './commands/info';
import { miouCommand } from './commands/miou';
import { nocCommand } from './commands/noc';
import { prelabelCommand } from './commands/prelabel';
import { exitCodeFor, failureJson } from './failure';
import { json, processIo, type Io } from './output';

const COMMANDS: Command[] = [infoCommand, miouCommand, convertCommand, prelabelCommand, cardCommand, clickCommand, embedCommand, nocCommand];

const HELP = `Usage: seglab <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}

Run "seglab <command> --help" for a command's options.
Exit codes: 0 success, 1 problems found in the data, 2 usage error (the command line, a model
card or an option must change).`;

async function main(argv: string[], io: Io = processIo): Promise<number> {
  useNodeZlib();
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    (name === undefined ? io.err : io.out)(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`seglab: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(parse(rest, command.options), io);
  } catch (err) {
    if (err instanceof UsageError) io.err(`seglab ${name}: ${err.message}\nRun "seglab ${name} --help" for usage.`);
    // DataError messages start with the file concerned.
    else io.err(err instanceof DataError ? err.message : `seglab ${name}: ${errorStack(err)}`);
    if (rest.includes('--json') && 'json' in command.options) io.out(json(failureJson(err, name)));
    return exitCodeFor(err);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
