/**
 * Checks over the dependency graph: every .dep name resolves inside the mirror (our files or
 * names its merged md5.db lists), `-KERNEL` names resolving when some `NAME-<kver>.tcz` exists;
 * a name only `--allow-upstream` vouches for is a warning (tce-load may fetch it, but tce-size,
 * tce-update and update-everything need it in the indexes); and our extensions form no cycle. Pure.
 */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import { parseDepText } from '../../indexes.js';
import { reachable } from '../dep-walk.js';
import type { Check, VerifyContext } from '../types.js';

function depsOf(ctx: VerifyContext): Map<string, { deps: string[]; file: string }> {
  return new Map(ctx.extensions.map((e) => [e.name, { deps: parseDepText(e.depText ?? '').filter((d) => !d.startsWith('#')), file: `${e.file}.dep` }]));
}

function resolves(dep: string, ctx: VerifyContext): boolean {
  const bare = dep.replace(/\.tcz$/, '');
  if (ctx.available.has(dep)) return true;
  if (!bare.endsWith('-KERNEL')) return false;
  const stem = bare.slice(0, -'KERNEL'.length);
  return [...ctx.available].some((n) => n.startsWith(stem) && /^\d/.test(n.slice(stem.length)) && n.endsWith('.tcz'));
}

export const depResolveCheck: Check = {
  id: 'dep-resolve',
  description: "every .dep name is in the mirror or its merged upstream indexes",
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const [name, { deps, file }] of depsOf(ctx)) {
      for (const dep of deps) {
        const full = dep.endsWith('.tcz') ? dep : `${dep}.tcz`;
        if (resolves(full, ctx)) continue;
        const line = (ctx.extensions.find((e) => e.name === name)?.depText ?? '').split('\n').findIndex((l) => l.includes(dep)) + 1;
        const at = { file, ...(line > 0 ? { line } : {}) };
        if (ctx.allowUpstream.has(full.replace(/\.tcz$/, ''))) {
          out.push(diag('index-lacks-dep', at, `${name} depends on ${dep}, which the mirror's indexes do not list: tce-size, tce-update and update-everything fail with "md5.db is missing or incomplete"`));
        } else {
          out.push(diag('dep-unresolved', at, `${name} depends on ${dep}, which neither the mirror nor its merged upstream indexes have: tce-load -wi fails with "Error on ${dep}"`));
        }
      }
    }
    return out;
  },
};

export const depCycleCheck: Check = {
  id: 'dep-cycle',
  description: 'no dependency cycles among the mirror extensions',
  run(ctx) {
    const graph = depsOf(ctx);
    const seen = new Set<string>();
    const reported = new Set<string>();
    const out: Diagnostic[] = [];
    const visit = (node: string, stack: string[]): void => {
      const at = stack.indexOf(node);
      if (at >= 0) {
        const cycle = stack.slice(at);
        const key = [...cycle].sort().join(' ');
        if (!reported.has(key)) {
          reported.add(key);
          out.push(diag('dep-cycle', { file: graph.get(cycle[cycle.length - 1] ?? '')?.file }, `dependency cycle: ${[...cycle, node].join(' -> ')}`));
        }
        return;
      }
      if (seen.has(node)) return;
      for (const dep of graph.get(node)?.deps ?? []) if (graph.has(dep)) visit(dep, [...stack, node]);
      seen.add(node);
    };
    for (const name of graph.keys()) visit(name, []);
    return out;
  },
};

/** Everything `name` pulls in, transitively, through the mirror's dependency data. */
function closure(name: string, known: ReadonlyMap<string, readonly string[]>): Set<string> {
  return reachable(known.get(name) ?? [], (n) => known.get(n) ?? []);
}

export const depRedundantCheck: Check = {
  id: 'dep-redundant',
  description: 'no direct dependency another direct dependency already pulls in (submitqc "redundant dependencies")',
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const [name, { deps, file }] of depsOf(ctx)) {
      for (const dep of deps) {
        // inside a cycle everything pulls in everything: dep-cycle reports that, not this
        const via = deps.find((other) => {
          if (other === dep || other === name) return false;
          const pulled = closure(other, ctx.knownDeps);
          return !pulled.has(name) && pulled.has(dep);
        });
        if (via) out.push(diag('dep-redundant', { file }, `${name} lists ${dep}, which ${via} already pulls in`, `remove ${dep} from ${name}.tcz.dep: list only direct dependencies`));
      }
    }
    return out;
  },
};
