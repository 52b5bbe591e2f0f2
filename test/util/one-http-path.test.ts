/**
 * Issue 20: one HTTP request path. Only src/util/http/ talks to undici or sends a request;
 * every other module goes through httpRequest()/httpGet() there, so timeouts, caps, proxies
 * and credentials are decided in one place.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsSources } from '../helpers/source-files.js';

const src = join(import.meta.dirname, '..', '..', 'src');

/** Code that sends HTTP requests by itself: undici, node's http(s) client, the global fetch. */
const ownClient = [/from 'undici'/, /import\(['"]undici['"]\)/, /from 'node:https'/, /\b(?:http|https)\.(?:request|get)\(/, /(?<![.\w])fetch\(/];

describe('one HTTP client', () => {
  it('sends every request from src/util/http/ and nowhere else', async () => {
    const offenders: string[] = [];
    for (const file of await tsSources(src)) {
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
    for (const file of await tsSources(dir)) {
      const code = await readFile(file, 'utf8');
      for (const m of code.matchAll(/\bawait request\(/g)) calls.push(`${relative(src, file)}@${m.index}`);
    }
    expect(calls).toHaveLength(1);
  });
});
