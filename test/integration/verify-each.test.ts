/**
 * The build's gate judges the extensions it publishes one at a time (verify's each.ts), each
 * with the extensions of the directory its `.dep` closure pulls in: a library two extensions
 * get from a shared dependency is found for both however far apart they are judged, one that
 * nothing provides is refused for the extension that needs it and only for it, and the findings
 * are exactly those of the per-extension checks run over the whole directory at once. Real
 * mksquashfs, a real Debian binary (ls: NEEDED libselinux.so.1).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sortDiagnostics } from '../../src/diagnostics/diagnostic.js';
import { tczDir as tczDirOf } from '../../src/mirror/layout.js';
import { loadVerifyContext } from '../../src/mirror/verify/context.js';
import { checks, perExtensionCheckIds } from '../../src/mirror/verify/registry.js';
import { verifyMirror } from '../../src/mirror/verify/run.js';
import { buildExtension, type FixtureExtension } from '../mirror/fixture-mirror.js';
import { writeMirrorIndexes } from '../../src/mirror/write-indexes.js';

let scratch: string;
let dir: string;
const fillers = Array.from({ length: 12 }, (_, i) => `m${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tczbuild-verify-each-'));
  dir = tczDirOf(scratch, '11', 'x86_64');
  const ls = await readFile('/usr/bin/ls');
  const app = (name: string, deps: string[]): FixtureExtension => ({
    name,
    deps,
    entries: [
      { path: `usr/local/bin/${name}`, content: ls, mode: 0o755 },
      // the loader ls asks for, /lib64/ld-linux-x86-64.so.2, through TinyCore's /lib
      { path: `usr/local/tce.installed/${name}`, content: '#!/bin/sh\nbox_link() { :; }\nbox_link /lib64 lib\n', mode: 0o775 },
      { path: `usr/local/share/doc/${name}/COPYING`, content: 'MIT\n' },
    ],
  });
  const exts: FixtureExtension[] = [
    app('aaa-first', ['selinux.tcz']),
    app('zzz-last', ['selinux.tcz']),
    app('nolib', []),
    { name: 'selinux', entries: [{ path: 'usr/local/lib/libselinux.so.1', content: 'a library\n' }, { path: 'usr/local/share/doc/selinux/COPYING', content: 'MIT\n' }] },
    ...fillers.map((n) => ({ name: n, entries: [{ path: `usr/local/share/${n}/README`, content: `${n}\n` }, { path: `usr/local/share/doc/${n}/COPYING`, content: 'MIT\n' }] })),
  ];
  for (const e of exts) await buildExtension(dir, e);
  await writeMirrorIndexes(dir);
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const judged = ['aaa-first.tcz', ...fillers.map((n) => `${n}.tcz`), 'nolib.tcz', 'zzz-last.tcz'];
const opts = { env: process.env, glibc: '2.36' };

describe('verify judging some extensions one at a time', () => {
  it('finds a library in a shared dependency for both its users, judged far apart, and refuses the one with no provider', async () => {
    const found = await verifyMirror(dir, { ...opts, onlyExtensions: judged });
    // not even "cannot tell" for the two users: the library was seen in their dependency
    const needed = found.diagnostics.filter((d) => d.id.startsWith('elf-needed'));
    expect(needed.map((d) => `${d.id} ${d.severity} ${d.file?.split('/').pop()}`)).toEqual(['elf-needed-missing error nolib.tcz']);
    expect(needed[0]?.message).toContain('libselinux.so.1 (needed by usr/local/bin/nolib)');
    expect(found.diagnostics.filter((d) => d.severity === 'error')).toEqual(needed);
    // the dependency was read to look into, not judged: it is not among what was asked for
    expect(found.diagnostics.filter((d) => d.file?.includes('selinux.tcz'))).toEqual([]);
    expect(found.extensions).toContain('selinux.tcz');
  });

  it('judges each extension as the per-extension checks over the whole directory do', async () => {
    const ctx = await loadVerifyContext(dir, opts);
    const whole = sortDiagnostics(checks.filter((c) => perExtensionCheckIds.has(c.id)).flatMap((c) => c.run(ctx)).filter((d) => judged.some((n) => d.file?.split('/').pop()?.startsWith(n))));
    expect(whole.some((d) => d.id === 'elf-needed-missing')).toBe(true);
    expect((await verifyMirror(dir, { ...opts, onlyExtensions: judged })).diagnostics).toEqual(whole);
  });

  it('without the dependency in the directory, both users are refused', async () => {
    await rm(join(dir, 'selinux.tcz'));
    await writeMirrorIndexes(dir);
    const found = await verifyMirror(dir, { ...opts, onlyExtensions: judged });
    const missing = found.diagnostics.filter((d) => d.id.startsWith('elf-needed'));
    expect(missing.map((d) => `${d.id} ${d.file?.split('/').pop()}`)).toEqual(['elf-needed-uncertain aaa-first.tcz', 'elf-needed-missing nolib.tcz', 'elf-needed-uncertain zzz-last.tcz']);
  });
});
