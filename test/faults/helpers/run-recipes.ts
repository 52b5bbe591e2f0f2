/**
 * In-process tczbuild runs over a MirrorProject's recipe set A or B (the two states an
 * interrupted or concurrent build moves between).
 */
import { Writable } from 'node:stream';
import { runCli } from '../../../src/cli/cli.js';
import type { BuildEvent } from '../../../src/cli/report/reporter.js';
import type { MirrorProject } from './mirror-project.js';
import { testEnv, type RunResult } from './run.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

export async function runTczbuildWith(p: MirrorProject, set: 'A' | 'B', argv: readonly string[], o: { noProjectFlags?: boolean } = {}): Promise<RunResult> {
  const recipes = set === 'A' ? p.recipesA : p.recipesB;
  const stdout = new Capture();
  const stderr = new Capture();
  const flags = o.noProjectFlags ? ['--recipes', recipes] : ['--recipes', recipes, '--out', p.outDir, '--cache', p.cacheDir];
  const code = await runCli([...argv, ...flags, '--json'], { stdin: process.stdin, stdout, stderr, cwd: p.dir, env: testEnv, colorDepth: 1 });
  const events = stdout.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as BuildEvent);
  const diagnostics = events.flatMap((e) => (e.type === 'diagnostic' ? [e.diagnostic] : []));
  return { code, stdout: stdout.text, stderr: stderr.text, diagnostics, events };
}
