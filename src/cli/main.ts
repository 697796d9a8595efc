/*
 * The `bedrock` command line. Each command is a row of COMMANDS: its name, its usage line,
 * and a function from arguments to an exit status. Commands print; nothing below them does.
 *
 *   bedrock asm 'TEXT'                              bytes in hex
 *   bedrock disasm HEX                              one instruction per line, with offsets
 *   bedrock exec HEX [--reg NAME=VALUE ...] [--steps N]
 *                                                   run on a fresh machine, print JSON
 *
 * Exit status: 0 ok, 1 the machine faulted, 2 bad input (one line on stderr).
 */
import { runCommand } from './commands.ts';

const status = runCommand(process.argv.slice(2), {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
});
if (status !== 0) process.exitCode = status;
