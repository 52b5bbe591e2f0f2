/**
 * A remote cache upload never stands between a build and its mirror: `all` publishes first and
 * uploads after, so a remote cache whose PUTs are slow (or never answer) delays nothing a user
 * waits for. The server below checks, at the moment each PUT arrives, that the mirror is already
 * published; it then holds the first PUT until the run's own timeout gives up on it.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tczbuildJson } from './helpers/json-cli.js';
import { createSpineProject } from './helpers/spine-project.js';

describe('remote cache uploads come after publishing', () => {
  it('the mirror is published before the first PUT, and a PUT that hangs does not fail the run', async () => {
    const p = await createSpineProject();
    const puts: Array<{ url: string; published: boolean }> = [];
    const held: ServerResponse[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'PUT') return void res.writeHead(404).end();
      puts.push({ url: req.url ?? '', published: existsSync(join(p.dir, 'out/11.x/x86_64/tcz/md5.db.gz')) });
      req.resume();
      held.push(res); // never answered: the upload can only end by timing out
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      const r = await tczbuildJson(p.dir, ['all', '--cache', 'cache', '--remote-cache', url, '--remote-cache-timeout', '2']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(puts.length).toBeGreaterThan(0);
      expect(puts.filter((x) => !x.published)).toEqual([]);
      // the publish event precedes the warning about the upload that hung
      const publishAt = r.events.findIndex((e) => e.type === 'stage-end' && e.stage === 'publish');
      const warnAt = r.events.findIndex((e) => e.diagnostic?.id === 'remote-cache-unreachable');
      expect(publishAt).toBeGreaterThanOrEqual(0);
      expect(warnAt).toBeGreaterThan(publishAt);
    } finally {
      server.closeAllConnections();
      server.close();
      await p.close();
    }
  }, 120_000);
});
