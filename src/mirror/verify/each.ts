/**
 * verify's per-extension checks over some extensions of a directory (the build's gate, a box's
 * preflight), one extension at a time: each is read with the extensions of the directory its
 * `.dep` closure pulls in, judged, and let go. What is kept across extensions is compact (names
 * and dependency lists, the findings); an extension's files stay read only while an extension
 * still to be judged depends on it, so memory follows the largest closure, not the number of
 * extensions. Judges exactly as one context over all of them would: a check only sees an
 * extension and its closure.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { sortDiagnostics } from '../../diagnostics/diagnostic.js';
import { mapLimit } from '../../util/map-limit.js';
import { listExtensions } from '../scan.js';
import { extensionOfFile } from '../../tinycore/extension-files.js';
import { reachable } from './dep-walk.js';
import { depsOfClosure, directoryFacts, extensionReader, type VerifyOptions } from './context.js';
import { checks, perExtensionCheckIds } from './registry.js';
import type { ExtensionFiles } from './types.js';

export interface EachReport {
  /** The extensions read: those judged and the ones of the directory their closures pull in. */
  readonly extensions: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Judge `only` (NAME.tcz names; those the directory lacks are skipped) with the per-extension checks. */
export async function verifyEach(tczDir: string, only: readonly string[], opts: VerifyOptions): Promise<EachReport> {
  const all = await listExtensions(tczDir);
  const present = new Set(all);
  const ownDeps = await depsOfClosure(tczDir, only, present);
  const facts = await directoryFacts(tczDir, opts, all);
  for (const [name, deps] of ownDeps) facts.knownDeps.set(name, deps);
  const roots = [...new Set(only)].filter((n) => present.has(n)).sort();
  // the extensions each root's checks look at: its closure, as box-view walks it, that the directory holds and was read
  const scopes = new Map(roots.map((r) => [r, [...reachable([r], (n) => facts.knownDeps.get(n) ?? [])].filter((n) => ownDeps.has(n))]));
  const held = new Holds(scopes);
  const selected = checks.filter((c) => perExtensionCheckIds.has(c.id));
  // findings about an extension asked for by name (its file, its companions), never about one read only as a dependency
  const askedFor = new Set(only);
  const asked = (d: Diagnostic): boolean => askedFor.has(extensionOfFile(d.file?.split('/').pop() ?? '') ?? '');
  const reader = await extensionReader(tczDir, opts);
  const found: Diagnostic[] = [];
  try {
    await mapLimit(roots, reader.jobs, async (root) => {
      const scope: ExtensionFiles[] = [];
      for (const name of scopes.get(root)!) scope.push(await held.take(name, () => reader.read(name)));
      const ctx = { ...facts, extensions: scope.filter((e) => e.name === root), others: scope.filter((e) => e.name !== root) };
      for (const c of selected) found.push(...c.run(ctx).filter(asked));
      for (const name of scopes.get(root)!) held.release(name);
    });
  } finally {
    reader.close();
  }
  return { extensions: [...ownDeps.keys()].sort(), diagnostics: sortDiagnostics(found) };
}

/** Each extension read once, kept while a root still to be judged has it in scope. */
class Holds {
  private readonly users = new Map<string, number>();
  private readonly read = new Map<string, Promise<ExtensionFiles>>();

  constructor(scopes: ReadonlyMap<string, readonly string[]>) {
    for (const names of scopes.values()) for (const n of names) this.users.set(n, (this.users.get(n) ?? 0) + 1);
  }

  take(name: string, load: () => Promise<ExtensionFiles>): Promise<ExtensionFiles> {
    let p = this.read.get(name);
    if (!p) this.read.set(name, (p = load()));
    return p;
  }

  release(name: string): void {
    const left = (this.users.get(name) ?? 1) - 1;
    this.users.set(name, left);
    if (left <= 0) this.read.delete(name);
  }
}
