import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateInitFiles } from '../../src/initd/index.js';
import { recipeFromYaml, recipeHead, target } from './helpers/recipe.js';
import { makeSandbox } from './helpers/sandbox.js';

const script = 'usr/local/etc/init.d/cgroupfs';

async function sandbox(extra = '') {
  const recipe = recipeFromYaml(`${recipeHead('containerd')}services:
  cgroupfs:
    kind: cgroupfs
${extra}`);
  return makeSandbox(generateInitFiles(recipe, target));
}

const mounts = (calls: string[]) => calls.filter((c) => c.startsWith('mount '));

describe('cgroupfs init script under busybox ash', () => {
  it('mounts a tmpfs and one hierarchy per enabled controller, and sets memory.use_hierarchy', async () => {
    const sb = await sandbox();
    expect((await sb.run(script, 'status')).code).toBe(3);
    const r = await sb.run(script, 'mount');
    expect(r.code).toBe(0);
    const cg = `${sb.root}/sys/fs/cgroup`;
    expect(mounts(await sb.calls())).toEqual([
      `mount -t tmpfs -o uid=0,gid=0,mode=0755 cgroup ${cg}`,
      `mount -n -t cgroup -o cpu cgroup ${cg}/cpu`,
      `mount -n -t cgroup -o cpuacct cgroup ${cg}/cpuacct`,
      `mount -n -t cgroup -o memory cgroup ${cg}/memory`,
    ]);
    expect(await readFile(`${cg}/memory/memory.use_hierarchy`, 'utf8')).toBe('1\n');
    const status = await sb.run(script, 'status');
    expect([status.code, status.stdout.trim()]).toEqual([0, `cgroupfs: 3 cgroup hierarchies mounted on ${cg}`]);
  });

  it('is idempotent: a second mount mounts nothing', async () => {
    const sb = await sandbox();
    await sb.run(script, 'start');
    const before = mounts(await sb.calls()).length;
    expect((await sb.run(script, 'start')).code).toBe(0);
    expect(mounts(await sb.calls())).toHaveLength(before);
  });

  it('mounts only the controllers the recipe lists', async () => {
    const sb = await sandbox('    controllers: [memory]\n    use-hierarchy: false\n');
    await sb.run(script, 'mount');
    expect(mounts(await sb.calls()).map((c) => c.split(' ').pop())).toEqual([`${sb.root}/sys/fs/cgroup`, `${sb.root}/sys/fs/cgroup/memory`]);
    expect(await readFile(`${sb.root}/sys/fs/cgroup/memory/memory.use_hierarchy`, 'utf8')).toBe('0\n');
  });

  it('warns about a controller that cannot be mounted, removes its directory, and mounts the rest', async () => {
    const sb = await sandbox();
    await sb.control('mount-fail-cgroup-cpuacct');
    const r = await sb.run(script, 'mount');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('cgroupfs: warning: could not mount the cpuacct controller');
    await expect(readFile(`${sb.root}/sys/fs/cgroup/cpuacct`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await sb.calls()).toContain(`mount -n -t cgroup -o memory cgroup ${sb.root}/sys/fs/cgroup/memory`);
  });

  it('leaves a cgroup2 mount alone', async () => {
    const sb = await sandbox();
    await writeFile(`${sb.root}/proc/mounts`, `cgroup2 ${sb.root}/sys/fs/cgroup cgroup2 rw 0 0\n`);
    const r = await sb.run(script, 'mount');
    expect(r.code).toBe(0);
    expect(mounts(await sb.calls())).toEqual([]);
    expect((await sb.run(script, 'status')).code).toBe(0);
  });

  it('umount unmounts every hierarchy and keeps the tmpfs', async () => {
    const sb = await sandbox();
    await sb.run(script, 'mount');
    const r = await sb.run(script, 'umount');
    expect(r.code).toBe(0);
    expect((await sb.calls()).filter((c) => c.startsWith('umount '))).toHaveLength(3);
    const status = await sb.run(script, 'status');
    expect(status.code).toBe(3);
    expect(await readFile(`${sb.root}/proc/mounts`, 'utf8')).toContain(`cgroup ${sb.root}/sys/fs/cgroup tmpfs`);
  });

  it('does nothing on a kernel without cgroup support', async () => {
    const sb = await sandbox();
    const { rm } = await import('node:fs/promises');
    await rm(`${sb.root}/proc/cgroups`);
    const r = await sb.run(script, 'mount');
    expect([r.code, r.stdout.trim()]).toEqual([0, 'cgroupfs: this kernel has no cgroup support; nothing to mount']);
    expect(mounts(await sb.calls())).toEqual([]);
  });
});
