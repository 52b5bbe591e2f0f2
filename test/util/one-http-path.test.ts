/**
 * Issue 20: one HTTP request path. Only src/util/http/ talks to undici or sends a request;
 * every other module goes through httpRequest()/httpGet() there, so timeouts, caps, proxies
 * and credentials are decided in one place.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', '..', 'src');

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Code that sends HTTP requests by itself: undici, node's http(s) client, the global fetch. */
const ownClient = [/from 'undici'/, /import\(['"]undici['"]\)/, /from 'node:https'/, /\b(?:http|https)\.(?:request|get)\(/, /(?<![.\w])fetch\(/];

describe('one HTTP client', () => {
  it('sends every request from src/util/http/ and nowhere else', async () => {
    const offenders: string[] = [];
    for (const file of await sources(src)) {
      const rel = relative(src, file);
      if (rel.startsWith(`util${'/'}http/`)) continue;
      const code = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const pattern of ownClient) if (pattern.test(code)) offenders.push(`${rel}: ${pattern.source}`);
    }
    expect(offenders).toEqual([]);
  });

  it('has exactly one call into undici that sends a request', async () => {
    const dir = join(src, 'util', 'http');
    const calls: string[] = [];
    for (const file of await sources(dir)) {
      const code = await readFile(file, 'utf8');
      for (const m of code.matchAll(/\bawait request\(/g)) calls.push(`${relative(src, file)}@${m.index}`);
    }
    expect(calls).toHaveLength(1);
  });
});
