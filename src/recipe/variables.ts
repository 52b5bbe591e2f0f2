/**
 * `${var}` substitution in recipe strings. Builtins (name, version, arch, goarch, tc_version)
 * plus the recipe's own `vars:`; an unknown name is reported, never left in place. `$$` is a
 * literal dollar. Pure.
 */

export type Substitution = { ok: true; value: string } | { ok: false; missing: string[] };

const reference = /\$\$|\$\{([^}]*)\}/g;

export function substitute(text: string, vars: Readonly<Record<string, string>>): Substitution {
  const missing: string[] = [];
  const value = text.replace(reference, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    const key = (name ?? '').trim();
    const v = Object.hasOwn(vars, key) ? vars[key] : undefined;
    if (v === undefined) {
      missing.push(key);
      return whole;
    }
    return v;
  });
  return missing.length ? { ok: false, missing } : { ok: true, value };
}

/** Resolve `vars:` values, which may refer to builtins and to each other (no cycles). */
export function resolveVars(
  builtins: Readonly<Record<string, string>>,
  declared: Readonly<Record<string, string>>,
): { vars: Record<string, string>; missing: Array<{ key: string; names: string[] }> } {
  const vars: Record<string, string> = { ...builtins };
  const pending = new Map(Object.entries(declared));
  const missing: Array<{ key: string; names: string[] }> = [];
  // Each pass resolves every var whose references are known; stop when a pass makes no progress.
  for (let progressed = true; progressed && pending.size > 0; ) {
    progressed = false;
    for (const [key, raw] of pending) {
      const r = substitute(raw, vars);
      if (r.ok) {
        vars[key] = r.value;
        pending.delete(key);
        progressed = true;
      }
    }
  }
  for (const [key, raw] of pending) {
    const r = substitute(raw, vars);
    missing.push({ key, names: r.ok ? [] : r.missing });
  }
  return { vars, missing };
}
