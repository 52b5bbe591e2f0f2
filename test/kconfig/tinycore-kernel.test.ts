/**
 * `kernel-config` against what actually runs on TinyCore, with the shipped fragments and the
 * flagship recipes: TinyCore's own needs (squashfs, loop) are part of every recipe check and of
 * the fragment `all` emits; CNI portmap's multiport match is asked for; MEMCG is recommended
 * unless a recipe requires it; each finding says whether a module or a new kernel fixes it; an
 * unreadable config points to where TinyCore publishes its kernel configs; veth and bridge,
 * which the kernel loads on demand, are never "not loaded".
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const repo = new URL('../..', import.meta.url).pathname;
const recipes = join(repo, 'recipes');

async function emitted(cwd: string): Promise<string> {
  const run = await tczbuild(['kernel-config', 'emit', '--recipes', recipes], { cwd });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
}

/** A config holding exactly the emitted fragment's lines, edited by `change`. */
async function check(change: (text: string) => string, extraArgs: string[] = []) {
  const dir = await testdir();
  await writeFile(join(dir, '.config'), change(await emitted(dir)));
  const run = await tczbuild(['kernel-config', 'check', '.config', '--recipes', recipes, '--json', ...extraArgs], { cwd: dir });
  return { run, found: diagnosticsOf(run) };
}

const without = (...symbols: string[]) => (text: string) =>
  text
    .split('\n')
    .filter((l) => !symbols.some((s) => l.startsWith(`CONFIG_${s}=`)))
    .join('\n');

describe('kernel-config for TinyCore', () => {
  it('the emitted fragment carries tinycore.cfg (squashfs, loop) and the multiport match', async () => {
    const text = await emitted(await testdir());
    for (const line of ['CONFIG_SQUASHFS=y', 'CONFIG_SQUASHFS_ZLIB=y', 'CONFIG_BLK_DEV_LOOP=y', 'CONFIG_NETFILTER_XT_MATCH_MULTIPORT=y']) expect(text).toContain(`${line}\n`);
  });

  it('check --recipes fails a kernel without squashfs (every .tcz is one) and names the fix kind', async () => {
    const { run, found } = await check(without('SQUASHFS', 'SQUASHFS_ZLIB'));
    expect(run.code).toBe(1);
    expect(found.map((d) => d.id + ' ' + d.message.split(';')[0])).toEqual(['kconfig-missing CONFIG_SQUASHFS is absent (its dependencies are unmet, or this kernel has no such symbol)', 'kconfig-missing CONFIG_SQUASHFS_ZLIB is absent (its dependencies are unmet, or this kernel has no such symbol)']);
    expect(found[0]?.hint).toContain("kind: a module (squashfs.ko) built from this kernel's source with CONFIG_SQUASHFS=m, or a new kernel");
    expect(found[1]?.hint).toContain('kind: a new kernel: CONFIG_SQUASHFS_ZLIB cannot be added as a module');
  });

  it('a kernel without overlayfs is told the kernel-module build command; without multiport, a module of its source', async () => {
    const { run, found } = await check(without('OVERLAY_FS', 'NETFILTER_XT_MATCH_MULTIPORT'));
    expect(run.code).toBe(1);
    const bySymbol = new Map(found.map((d) => [/CONFIG_(\w+)/.exec(d.message)?.[1], d]));
    expect(bySymbol.get('OVERLAY_FS')?.hint).toContain('kind: a module for this kernel: tczbuild kernel-module build --source');
    expect(bySymbol.get('NETFILTER_XT_MATCH_MULTIPORT')?.hint).toContain('kind: a module (xt_multiport.ko) built from this kernel');
    expect(bySymbol.get('NETFILTER_XT_MATCH_MULTIPORT')?.hint).toContain('CNI portmap plugin');
  });

  it('MEMCG missing is a warning (TinyCore 11 ran containerd and faasd without it), an error once a recipe requires it', async () => {
    const { run, found } = await check(without('MEMCG'));
    expect(found.map((d) => `${d.id} ${d.severity}`)).toEqual(['kconfig-missing warning']);
    expect(run.code).toBe(0);
    const dir = await testdir();
    await writeFile(join(dir, '.config'), without('MEMCG')(await emitted(dir)));
    await writeFile(join(dir, 'limits.yaml'), 'name: limits\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: s\ncopying-policy: MIT\nkernel:\n  require: [MEMCG]\n');
    const strict = await tczbuild(['kernel-config', 'check', '.config', '--recipes', dir, '--json'], { cwd: dir });
    expect(strict.code).toBe(1);
    expect(diagnosticsOf(strict).map((d) => `${d.id} ${d.severity} ${d.message.split(' ')[0]}`)).toEqual(['kconfig-missing error CONFIG_MEMCG']);
  });

  it('veth and bridge as modules no init script loads are fine (the kernel loads them on demand); br_netfilter is not', async () => {
    const asModules = (text: string) => text.replace('CONFIG_VETH=y', 'CONFIG_VETH=m').replace('CONFIG_BRIDGE=y', 'CONFIG_BRIDGE=m').replace('CONFIG_BRIDGE_NETFILTER=y', 'CONFIG_BRIDGE_NETFILTER=m');
    const { run, found } = await check(asModules, ['--modules', 'overlay']);
    expect(run.code).toBe(0);
    expect(found.map((d) => `${d.id} ${d.message}`)).toEqual(['kconfig-module-not-loaded CONFIG_BRIDGE_NETFILTER=m but no init script loads module br_netfilter']);
  });

  it('an unreadable config (TinyCore 11 has no /proc/config.gz) says where TinyCore publishes its kernel configs', async () => {
    const dir = await testdir();
    const run = await tczbuild(['kernel-config', 'check', 'no-such-config.gz', '--recipes', recipes, '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const [d] = diagnosticsOf(run);
    expect(d?.id).toBe('kconfig-config-unreadable');
    expect(d?.hint).toContain('http://tinycorelinux.net/11.x/x86_64/release/src/kernel/config-5.4.3-tinycore64');
  });
});
