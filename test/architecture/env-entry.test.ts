/**
 * Issue 20: the environment is passed in explicitly. Only the entry points read process.env:
 * the CLI's bin (src/cli/main.ts), which hands it to runCli as the context every command takes,
 * and src/demo/, the `npm run demo` driver, which is an entry point of its own (scripts/ is
 * outside src/). Everything below takes the environment from its caller, so two runs with
 * different environments (PATH, proxies, netrc, SOURCE_DATE_EPOCH) can share one process, and
 * the in-process CLI tests need not change process.env.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsSources } from '../helpers/source-files.js';

const src = join(import.meta.dirname, '..', '..', 'src');

/** Reading the process's environment, in any spelling: process.env, process['env'], a destructured `env` from process. */
const readsEnv = [/\bprocess\s*\.\s*env\b/, /\bprocess\s*\[\s*['"`]env['"`]\s*\]/, /\{[^}]*\benv\b[^}]*\}\s*=\s*process\b/];

const entryPoints = (rel: string): boolean => rel === join('cli', 'main.ts') || rel.startsWith(`demo${'/'}`);

describe('the environment is read at the entry points only', () => {
  it('reads process.env in src/cli/main.ts and src/demo/ and nowhere else in src/', async () => {
    const offenders: string[] = [];
    let atEntry = 0;
    for (const file of await tsSources(src)) {
      const rel = relative(src, file);
      const code = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      const hits = readsEnv.filter((p) => p.test(code));
      if (entryPoints(rel)) atEntry += hits.length;
      else for (const p of hits) offenders.push(`${rel}: ${p.source}`);
    }
    expect(offenders).toEqual([]);
    // the patterns match the real thing: the bin hands process.env to runCli
    expect(atEntry).toBeGreaterThanOrEqual(1);
  });
});
