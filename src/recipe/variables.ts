/**
 * `${var}` substitution in recipe strings. Builtins (name, version, arch, goarch, tc_version)
 * plus the recipe's own `vars:`; an unknown name is reported, never left in place. `$$` is a
 * literal dollar. A value that would grow past maxExpandedLength (vars doubling each other, an
 * "expansion bomb") is refused instead of exhausting memory. Pure.
 */

/** Far above any real URL or path, far below what could exhaust memory. */
export const maxExpandedLength = 64 * 1024;

export type Substitution = { ok: true; value: string } | { ok: false; missing: string[]; tooLong?: boolean };

const reference = /\$\$|\$\{([^}]*)\}/g;

export function substitute(text: string, vars: Readonly<Record<string, string>>): Substitution {
  const missing: string[] = [];
  let length = text.length;
  let tooLong = false;
  const value = text.replace(reference, (whole, name: string | undefined) => {
    if (tooLong) return '';
    if (whole === '$$') return '$';
    const key = (name ?? '').trim();
    const v = Object.hasOwn(vars, key) ? vars[key] : undefined;
    if (v === undefined) {
      missing.push(key);
      return whole;
    }
    length += v.length - whole.length;
    // Stop before the result is built: a doubling chain reaches gigabytes within a few vars.
    if (length > maxExpandedLength) tooLong = true;
    return tooLong ? '' : v;
  });
  if (tooLong) return { ok: false, missing, tooLong: true };
  return missing.length ? { ok: false, missing } : { ok: true, value };
}

export interface ResolvedVars {
  vars: Record<string, string>;
  missing: Array<{ key: string; names: string[] }>;
  /** Vars whose expansion passed maxExpandedLength. */
  tooLong: string[];
}

/** Resolve `vars:` values, which may refer to builtins and to each other (no cycles). */
export function resolveVars(builtins: Readonly<Record<string, string>>, declared: Readonly<Record<string, string>>): ResolvedVars {
  const vars: Record<string, string> = { ...builtins };
  const pending = new Map(Object.entries(declared));
  const missing: Array<{ key: string; names: string[] }> = [];
  const tooLong: string[] = [];
  // Each pass resolves every var whose references are known; stop when a pass makes no progress.
  for (let progressed = true; progressed && pending.size > 0; ) {
    progressed = false;
    for (const [key, raw] of pending) {
      const r = substitute(raw, vars);
      if (r.ok || r.tooLong) {
        // An oversized var resolves to '' so the vars built on it do not report it again.
        vars[key] = r.ok ? r.value : '';
        if (!r.ok) tooLong.push(key);
        pending.delete(key);
        progressed = true;
      }
    }
  }
  for (const [key, raw] of pending) {
    const r = substitute(raw, vars);
    missing.push({ key, names: r.ok ? [] : r.missing });
  }
  return { vars, missing, tooLong };
}
