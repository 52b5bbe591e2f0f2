/**
 * A child process for the lock race test: take and release the out/ lock in a tight loop, and
 * while holding it claim a sentinel file with O_EXCL. If the sentinel is already there, another
 * process holds the lock at the same time: the lock failed. Prints one JSON line of counts.
 * With DEAD_PID, a holder "dies" instead of releasing: it leaves the lock naming that pid,
 * as a killed build does, so the others must take over a stale lock while racing.
 * Usage: node --import tsx lock-hammer.ts OUT_DIR ROUNDS [DEAD_PID]
 */
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { lockOut } from '../../../src/builder/lock.js';

const [outDir, roundsArg, deadPid] = process.argv.slice(2);
const sentinel = `${outDir}.held`;
let acquired = 0;
let refused = 0;
let overlaps = 0;
for (let i = 0; i < Number(roundsArg ?? 100); i++) {
  let lock;
  try {
    lock = await lockOut(outDir!);
  } catch {
    refused++;
    await new Promise((r) => setTimeout(r, Math.random() * 2));
    continue;
  }
  acquired++;
  let mine = false;
  try {
    await (await open(sentinel, 'wx')).close();
    mine = true;
  } catch {
    overlaps++;
  }
  await new Promise((r) => setTimeout(r, 2));
  if (mine) await rm(sentinel, { force: true });
  if (deadPid !== undefined && i % 3 === 0) {
    await writeFile(`${outDir}.dying-${process.pid}`, `${deadPid}\n`);
    await rename(`${outDir}.dying-${process.pid}`, `${outDir}.lock`);
  } else {
    await lock.release();
  }
  await new Promise((r) => setTimeout(r, Math.random() * 2));
}
console.log(JSON.stringify({ pid: process.pid, acquired, refused, overlaps }));
