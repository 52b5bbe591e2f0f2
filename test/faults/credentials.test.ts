/**
 * Credentials for a source stay secret: a URL's `user:password@` and a netrc file both reach
 * the server as HTTP Basic auth, and the password appears nowhere in out/ (the .build.json
 * provenance included), in the --json stream or in error messages, which show the URL without
 * its userinfo. A real build against a fixture server on 127.0.0.1 that demands the password.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { buildArtifacts, fillPlaceholders } from './helpers/artifacts.js';
import { projectDirs, runPin, runTczbuild, testEnv, type ProjectDirs } from './helpers/run.js';
import { filesUnder } from './helpers/tree-snapshot.js';

const template = join(import.meta.dirname, '..', 'fixtures', 'bad-recipes', 'network', 'recipes', 'fetchy.yaml');
const artifacts = await buildArtifacts();
const body = artifacts['other-1.0.tar.gz']!;
const path = '/private/other-1.0.tar.gz';
const password = 'pw-Zq8!x7#secret';

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** A server that serves the archive only to `user` with the password, and records what it was sent. */
async function privateServer(user: string): Promise<{ s: FixtureServer; auth: Array<string | undefined> }> {
  const auth: Array<string | undefined> = [];
  const s = (server = await startFixtureServer({
    [path]: {
      handler: (req: IncomingMessage, res) => {
        auth.push(req.headers.authorization);
        if (req.headers.authorization !== basic(user, password)) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end('no');
        res.writeHead(200, { 'content-length': body.length }).end(body);
      },
    },
  }));
  return { s, auth };
}

async function project(url: (base: string) => string, s: FixtureServer, sha = true): Promise<ProjectDirs> {
  const p = projectDirs(await testdir());
  await mkdir(p.recipesDir, { recursive: true });
  let text = fillPlaceholders((await readFile(template, 'utf8')).replaceAll('@ROUTE@', 'private'), s.url, artifacts);
  text = text.replace(`${s.url}/private/other-1.0.tar.gz`, url(s.url));
  if (!sha) text = text.replace(/sha256: [0-9a-f]{64}/, `sha256: ${'a'.repeat(64)}`);
  await writeFile(join(p.recipesDir, 'fetchy.yaml'), text);
  return p;
}

/** Every byte under out/ as text, to search for the secret. */
async function everythingUnder(dir: string): Promise<string> {
  const parts = await Promise.all((await filesUnder(dir)).map((f) => readFile(join(dir, f), 'latin1')));
  return parts.join('\n');
}

const withUserinfo = (base: string): string => base.replace('http://', `http://alice:${encodeURIComponent(password)}@`) + path;

describe('credentials for sources', () => {
  it('sends user:password from the URL as Basic auth and publishes the URL without them', async () => {
    const { s, auth } = await privateServer('alice');
    const p = await project(withUserinfo, s);
    const r = await runTczbuild(p, ['all']);
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
    expect(auth).toEqual([basic('alice', password)]);
    const provenance = JSON.parse(await readFile(join(p.outDir, '11.x/x86_64/tcz/fetchy.tcz.build.json'), 'utf8')) as { sources: Array<{ url: string }> };
    expect(provenance.sources.map((x) => x.url)).toEqual([`${s.url}${path}`]);
    const published = await everythingUnder(p.outDir);
    for (const secret of [password, encodeURIComponent(password), 'alice:']) {
      expect(published).not.toContain(secret);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
  }, 30_000);

  it('keeps the password out of error messages and --json when the download fails', async () => {
    const { s } = await privateServer('alice');
    const p = await project(withUserinfo, s, false);
    const r = await runTczbuild(p, ['all']);
    expect(r.code).toBe(1);
    const d = r.diagnostics.find((x) => x.id === 'checksum-mismatch');
    expect(d?.message).toContain(`sha256 mismatch for ${s.url}${path}`);
    for (const secret of [password, encodeURIComponent(password), 'alice:']) expect(r.stdout + r.stderr).not.toContain(secret);
    expect(await filesUnder(p.outDir).catch(() => [])).toEqual([]);
  }, 30_000);

  it('pins a source behind credentials without printing or caching the password', async () => {
    const { s, auth } = await privateServer('alice');
    const p = await project(withUserinfo, s);
    await writeFile(join(p.recipesDir, 'fetchy.yaml'), (await readFile(join(p.recipesDir, 'fetchy.yaml'), 'utf8')).replace(/sha256: [0-9a-f]{64}/, 'sha256: unpinned'));
    const r = await runPin(p, ['fetchy']);
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
    expect(auth).toEqual([basic('alice', password)]);
    expect(r.stdout).toContain(`source ${s.url.replace('http://', 'http://***@')}${path}`);
    const cached = await everythingUnder(join(p.cacheDir, 'urls'));
    expect(cached).toContain(`${s.url.replace('http://', 'http://***@')}${path}`);
    for (const secret of [password, encodeURIComponent(password), 'alice:']) {
      expect(r.stdout + r.stderr).not.toContain(secret);
      expect(cached).not.toContain(secret);
    }
  }, 30_000);

  it('takes credentials for a host from the netrc file $NETRC names', async () => {
    const { s, auth } = await privateServer('bob');
    const p = await project((base) => base + path, s);
    const netrc = join(p.dir, 'netrc');
    await writeFile(netrc, `# credentials for the private release server\nmachine 127.0.0.1\n  login bob\n  password ${password}\n`, { mode: 0o600 });
    const r = await runTczbuild(p, ['all'], { ...testEnv, NETRC: netrc });
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
    expect(auth).toEqual([basic('bob', password)]);
    expect(await everythingUnder(p.outDir)).not.toContain(password);
    // Without the file the server refuses, and the failure says so.
    const fresh = { ...p, outDir: join(p.dir, 'out2'), cacheDir: join(p.dir, 'cache2') };
    const refused = await runTczbuild(fresh, ['all'], { ...testEnv, NETRC: join(p.dir, 'absent') });
    expect(refused.diagnostics.find((x) => x.id === 'fetch-failed')?.message).toMatch(/HTTP 401/);
  }, 30_000);

  it('reads ~/.netrc (HOME) for the source host only: a redirect to another host gets no Authorization', async () => {
    // 127.0.0.1 has the netrc entry; the archive itself lives on `localhost`, another host name
    // (another origin) for the same machine, which has none.
    const elsewhere: Array<string | undefined> = [];
    const other = await startFixtureServer({
      [path]: { handler: (req: IncomingMessage, res) => (elsewhere.push(req.headers.authorization), res.writeHead(200, { 'content-length': body.length }).end(body)) },
    });
    try {
      const home: Array<string | undefined> = [];
      const s = (server = await startFixtureServer({
        [path]: {
          handler: (req: IncomingMessage, res) => {
            home.push(req.headers.authorization);
            if (req.headers.authorization !== basic('carol', password)) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end('no');
            res.writeHead(302, { location: `${other.url.replace('127.0.0.1', 'localhost')}${path}` }).end();
          },
        },
      }));
      const p = await project((base) => base + path, s);
      const fakeHome = join(p.dir, 'home');
      await mkdir(fakeHome);
      await writeFile(join(fakeHome, '.netrc'), `machine 127.0.0.1 login carol password ${password}\n`, { mode: 0o600 });
      const env: NodeJS.ProcessEnv = { ...testEnv, HOME: fakeHome };
      delete env.NETRC;
      const r = await runTczbuild(p, ['all'], env);
      expect(r.diagnostics).toEqual([]);
      expect(r.code).toBe(0);
      expect(home).toEqual([basic('carol', password)]);
      expect(elsewhere).toEqual([undefined]);
      const published = await everythingUnder(p.outDir);
      const cached = await everythingUnder(p.cacheDir);
      for (const secret of [password, encodeURIComponent(password), Buffer.from(`carol:${password}`).toString('base64')]) {
        expect(published).not.toContain(secret);
        expect(cached).not.toContain(secret);
        expect(r.stdout + r.stderr).not.toContain(secret);
      }
    } finally {
      await other.close();
    }
  }, 30_000);
});
