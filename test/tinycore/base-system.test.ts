/**
 * TinyCore's base directories: the table agrees with what Core-scripts' tc-config does on every
 * boot, and the builder gives an image's copy of such a directory its live owner and mode, so
 * tce-load cannot re-own /opt or /usr/local/tce.installed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimPath } from '../../src/builder/claim.js';
import { FileTable, renderPseudoFile } from '../../src/builder/file-table.js';
import { baseDir, baseDirs, STAFF_GID, TC_UID } from '../../src/tinycore/base-system.js';
import { coreScriptsTree } from '../helpers/core-scripts.js';

describe('base-system table', () => {
  it("has every directory tc-config gives group staff and g+w, with that group and mode", { timeout: 60_000 }, async () => {
    // the pinned Core-scripts input ($TCZBUILD_CORE_SCRIPTS or the download), verified
    const tcConfig = await readFile(join(await coreScriptsTree(), 'etc/init.d/tc-config'), 'utf8');
    const vars = new Map([...tcConfig.matchAll(/^(\w+)="([^"$]+)"$/gm)].map((m) => [m[1]!, m[2]!]));
    const expand = (w: string): string => w.replace(/^"?\$(\w+)"?$/, (_, v: string) => vars.get(v) ?? `$${v}`).replace(/^"|"$/g, '');
    const words = (re: RegExp): string[] => [...tcConfig.matchAll(re)].flatMap((m) => m[1]!.trim().split(/\s+/).map(expand));
    const staff = words(/^\s*chgrp staff ((?:"?[$/\w.]+"? ?)+?)(?:\s*>|\s*$)/gm);
    const groupWritable = words(/^\s*chmod g\+w ((?:"?[$/\w.]+"? ?)+?)(?:\s*>|\s*$)/gm);
    expect(staff).toEqual(expect.arrayContaining(['/tmp/tce', '/tmp/tce/optional', '/usr/local/tce.installed', '/tmp/tcloop', '/opt']));
    for (const path of staff) {
      const b = baseDir(path);
      expect(b, path).toBeDefined();
      expect(b!.gid, path).toBe(STAFF_GID);
      if (groupWritable.includes(path)) expect(b!.mode & 0o020, path).toBe(0o020);
    }
    const owned = words(/^\s*chown "\$USER" ((?:"?[$/\w.]+"? ?)+)$/gm);
    // tc-config gives the user directories: an expression that matched none would check nothing
    expect(owned.length).toBeGreaterThan(0);
    for (const path of owned) expect(baseDir(path)?.uid, path).toBe(TC_UID);
  });

  it('lists root:root 0755 for the directories Core-scripts itself installs, and names a source for each entry', () => {
    for (const p of ['usr', 'usr/local', 'etc/init.d', 'sbin']) expect(baseDir(p)).toMatchObject({ uid: 0, gid: 0, mode: 0o755 });
    for (const b of baseDirs) expect(b.source.length, b.path).toBeGreaterThan(10);
  });
});

describe('the builder gives base directories their live owner and mode', () => {
  it('opt/ of a file under opt/cni/bin is root:staff 0775; other parents stay root:root 0755', () => {
    const table = new FileTable();
    claimPath(table, 'opt/cni/bin/bridge', { type: 'file', mode: 0o755, uid: 0, gid: 0, origin: 'cni' }, undefined);
    expect(renderPseudoFile(table)).toBe('opt m 0775 0 50\nopt/cni m 0755 0 0\nopt/cni/bin m 0755 0 0\nopt/cni/bin/bridge m 0755 0 0\n');
  });

  it('an archive entry for opt/ as root:root 0755 still gets the live values', () => {
    const table = new FileTable();
    claimPath(table, 'opt', { type: 'dir', mode: 0o755, uid: 0, gid: 0, origin: 'archive' }, undefined);
    claimPath(table, 'usr/local/tce.installed', { type: 'dir', mode: 0o755, uid: 0, gid: 0, origin: 'archive' }, undefined);
    expect(renderPseudoFile(table)).toBe('opt m 0775 0 50\nusr m 0755 0 0\nusr/local m 0755 0 0\nusr/local/tce.installed m 0775 0 50\n');
  });
});
