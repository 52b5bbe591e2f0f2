import { describe, expect, it } from 'vitest';
import { explainChange } from '../../src/builder/build-key.js';
import { dependantsOf, planBuild } from '../../src/builder/plan.js';
import { runScheduled } from '../../src/builder/schedule.js';
import type { Recipe } from '../../src/recipe/model.js';
import { TczError } from '../../src/diagnostics/errors.js';

function recipe(name: string, depends: string[] = []): Recipe {
  return { name, depends, dependsAt: depends.map((_, i) => ({ file: `recipes/${name}.yaml`, line: 10 + i, col: 5 })) } as unknown as Recipe;
}

describe('planBuild', () => {
  it('orders dependencies first and ignores upstream names', () => {
    const plan = planBuild([recipe('faasd', ['containerd', 'iptables']), recipe('containerd', ['overlayfs-KERNEL']), recipe('zzz')]);
    expect(plan.map((p) => p.recipe.name)).toEqual(['containerd', 'faasd', 'zzz']);
    expect(plan.find((p) => p.recipe.name === 'faasd')?.localDeps).toEqual(['containerd']);
  });

  it('widens a selection to its local dependencies', () => {
    expect(planBuild([recipe('a', ['b']), recipe('b'), recipe('c')], ['a']).map((p) => p.recipe.name)).toEqual(['b', 'a']);
  });

  it('names the whole cycle at the depends entry that closes it', () => {
    try {
      planBuild([recipe('a', ['b']), recipe('b', ['c']), recipe('c', ['a'])]);
      expect.unreachable();
    } catch (e) {
      expect((e as TczError).diagnostics).toEqual([expect.objectContaining({ id: 'dependency-cycle', message: 'dependency cycle: a -> b -> c -> a', file: 'recipes/c.yaml', line: 10 })]);
    }
  });

  it('refuses an unknown recipe name', () => {
    expect(() => planBuild([recipe('a')], ['nope'])).toThrow(/no recipe named "nope"/);
  });

  it('finds transitive dependants', () => {
    const plan = planBuild([recipe('a'), recipe('b', ['a']), recipe('c', ['b']), recipe('d')]);
    expect([...dependantsOf(plan, 'a')].sort()).toEqual(['b', 'c']);
  });
});

describe('explainChange', () => {
  it('names each changed, added and removed input', () => {
    expect(explainChange({ recipe: '1', 'source x': 'a', 'overlay o': 'z' }, { recipe: '1', 'source x': 'b', 'dependency d': 'k' })).toEqual([
      'dependency d was added',
      'source x changed',
      'overlay o was removed',
    ]);
  });
});

describe('runScheduled', () => {
  it('never starts a task before its dependencies finish, and respects the limit', async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const items = [{ n: 'a', d: [] }, { n: 'b', d: ['a'] }, { n: 'c', d: [] }, { n: 'd', d: ['b', 'c'] }];
    await runScheduled(items, (i) => i.n, (i) => i.d, async (i) => {
      running++;
      peak = Math.max(peak, running);
      log.push(`start ${i.n}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${i.n}`);
      running--;
    }, 2);
    expect(peak).toBe(2);
    expect(log.indexOf('start b')).toBeGreaterThan(log.indexOf('end a'));
    expect(log.indexOf('start d')).toBeGreaterThan(Math.max(log.indexOf('end b'), log.indexOf('end c')));
  });

  it('stops starting tasks after a failure and rethrows it', async () => {
    const started: string[] = [];
    await expect(runScheduled([{ n: 'a' }, { n: 'b' }], (i) => i.n, (i) => (i.n === 'b' ? ['a'] : []), async (i) => {
      started.push(i.n);
      throw new Error(`boom ${i.n}`);
    }, 1)).rejects.toThrow('boom a');
    expect(started).toEqual(['a']);
  });
});

describe('runScheduled at scale', () => {
  it('runs 3,000 tasks in dependency order within the limit', async () => {
    const names = Array.from({ length: 3000 }, (_, i) => `r${i}`);
    const deps = (n: string): string[] => (Number(n.slice(1)) % 10 === 0 ? [] : [`r${Number(n.slice(1)) - 1}`]);
    const finished = new Set<string>();
    let running = 0;
    let peak = 0;
    const out = await runScheduled(names, (n) => n, deps, async (n) => {
      for (const d of deps(n)) expect(finished.has(d)).toBe(true);
      peak = Math.max(peak, ++running);
      await new Promise((r) => setImmediate(r));
      running--;
      finished.add(n);
      return n.toUpperCase();
    }, 3);
    expect(out).toEqual(names.map((n) => n.toUpperCase()));
    expect(peak).toBe(3);
  });
});
