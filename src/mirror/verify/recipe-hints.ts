/**
 * What verify takes from a recipe when a recipes dir is given: its runtime-written paths and
 * the paths its `files:` entries deliberately make setuid/setgid. Reads RECIPES/NAME.yaml (or
 * .yml) and parses it with the recipe parser; a missing or broken recipe gives no hints (lint
 * reports broken recipes, verify judges the mirror).
 */
import { join } from 'node:path';
import { readOptionalSync } from '../scan.js';
import { parseRecipe } from '../../recipe/parse.js';
import { resolveVars, substitute } from '../../recipe/variables.js';
import type { WrittenRecipe } from '../../recipe/schema.js';

export interface RecipeHints {
  readonly runtimePaths: readonly string[];
  readonly setuidAllowed: readonly string[];
  /** Paths the recipe's files:/directories: entries deliberately make unreadable for others (e.g. 0600, 0700). */
  readonly privateAllowed: readonly string[];
  /** Files the recipe's files: entries deliberately give another owner or group (e.g. group: staff). */
  readonly ownerAllowed: readonly string[];
}

const none: RecipeHints = { runtimePaths: [], setuidAllowed: [], privateAllowed: [], ownerAllowed: [] };

export async function readRecipeHints(recipesDir: string, bareName: string, target: { tcVersion?: string; arch?: string }): Promise<RecipeHints> {
  // read synchronously: a recipe is a few hundred bytes, and verify reads thousands of them
  let file = join(recipesDir, `${bareName}.yaml`);
  let text = readOptionalSync(file);
  if (text === undefined) {
    file = join(recipesDir, `${bareName}.yml`);
    text = readOptionalSync(file);
  }
  if (text === undefined) return none;
  // Every hint comes from one of these three keys; a recipe that never spells any of them has
  // none, and is not parsed (verify of thousands of extensions spent most of its CPU here).
  if (!/runtime-paths|files|directories/.test(text)) return none;
  const parsed = parseRecipe(text, file);
  if (!parsed.ok) return none;
  return hintsFromWritten(parsed.value, target);
}

/** The hints of an already parsed recipe (the build gate has every recipe it built in hand). */
export function hintsFromWritten(w: WrittenRecipe, target: { tcVersion?: string; arch?: string }): RecipeHints {
  const builtins: Record<string, string> = { name: w.name, version: w.version, ...(target.arch ? { arch: target.arch } : {}), ...(target.tcVersion ? { tc_version: target.tcVersion } : {}) };
  const { vars } = resolveVars(builtins, w.vars);
  const expand = (p: string): string | undefined => {
    const r = substitute(p, vars);
    return r.ok ? r.value.replace(/^\/+/, '').replace(/\/+$/, '') : undefined;
  };
  const runtimePaths = w['runtime-paths'].flatMap((p) => expand(p) ?? []);
  const setuidAllowed = w.files.filter((f) => (modeOf(f.mode) & 0o6000) !== 0).flatMap((f) => expand(f.path) ?? []);
  const isPrivate = (m: unknown): boolean => m !== undefined && (modeOf(m) & 0o004) === 0;
  const privateAllowed = [...w.files, ...(w.directories ?? [])].flatMap((f) => (typeof f === 'object' && f && isPrivate((f as { mode?: unknown }).mode) ? (expand((f as { path: string }).path) ?? []) : []));
  const ownerAllowed = w.files.filter((f) => (f.owner !== undefined && f.owner !== 'root') || (f.group !== undefined && f.group !== 'root')).flatMap((f) => expand(f.path) ?? []);
  return { runtimePaths, setuidAllowed, privateAllowed, ownerAllowed };
}

function modeOf(mode: unknown): number {
  if (typeof mode === 'number') return mode;
  if (typeof mode === 'string') return parseInt(mode, 8) || 0;
  return 0;
}
