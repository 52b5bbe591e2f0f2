#!/usr/bin/env node
/** Bin entry: run the CLI with the real process streams and exit with its code. */
import { stopOnBrokenPipe } from '../util/interrupt.js';
import { runCli } from './cli.js';

// `tczbuild all --json | head -1`: the reader leaving is cleaned up like Ctrl-C
stopOnBrokenPipe(process.stdout);

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  colorDepth: process.stdout.isTTY ? process.stdout.getColorDepth() : 1,
});
process.exitCode = code;
