#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * Bin entry: run the CLI with the real process streams and exit with its code.
 *
 * The shebang caps V8's young generation at 1 MiB per semi-space (V8's default grows it to
 * 16 MiB, two of them: 32 MB of the peak whatever the work). A build allocates in short bursts
 * that survive while their I/O is in flight; a young generation sized to hold them only delays
 * their promotion. Measured (load average ~19): `all` of 300 one-file recipes peaked at 128 and
 * 131 MB without the flag, 98 and 96 MB with it, at the same CPU time (16.0 and 17.3 s vs 15.7
 * and 17.2 s); the 3,000-extension publish gate alone, 157 MB vs 106 MB. V8 reads the flag only at start-up
 * (v8.setFlagsFromString() from here has no effect), so it lives in the launcher: `npx tczbuild`
 * and a linked `tczbuild` run it; `node dist/cli/main.js` runs without it (bench/ reads the
 * flags from this line and runs the bin as the launcher does). `env -S` is GNU coreutils 8.30+,
 * BSD and macOS env.
 */
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
