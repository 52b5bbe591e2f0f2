/**
 * Lint for a recipe's own hook body (`hooks: installed:`): the tce.installed hook it is merged
 * into is rendered, then read by `ash -n` (BusyBox's shell, as on the box: a syntax error means
 * the hook never runs) and `shellcheck -s sh`. Findings on the user's lines are reported at the
 * recipe, with the line inside the body; the generated lines are tested clean elsewhere. Runs
 * programs, so it lives apart from the pure rules; a missing tool is a warning, not a pass.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diag, type Diagnostic, type Position } from '../diagnostics/diagnostic.js';
import type { Recipe, Target } from '../recipe/model.js';
import { findProgram, runTool, type Env } from '../util/exec.js';
import { userHookMarker } from './hook.js';
import { generateInitFiles } from './index.js';

interface ShellcheckComment {
  readonly line: number;
  readonly level: 'error' | 'warning' | 'info' | 'style';
  readonly code: number;
  readonly message: string;
}

/** `env`: the run's environment, whose PATH busybox and shellcheck are looked up on. */
export async function lintUserHooks(recipes: readonly Recipe[], target: Target, env: Env): Promise<Diagnostic[]> {
  const withHooks = recipes.filter((r) => r.written.hooks?.installed !== undefined);
  if (withHooks.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-hook-lint-'));
  try {
    const out: Diagnostic[] = [];
    for (const recipe of withHooks) out.push(...(await lintOne(recipe, target, dir, env)));
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function lintOne(recipe: Recipe, target: Target, dir: string, env: Env): Promise<Diagnostic[]> {
  const hook = generateInitFiles(recipe, target).find((f) => f.path === `usr/local/tce.installed/${recipe.name}`);
  const text = String(hook?.content ?? '');
  const lines = text.split('\n');
  // The body starts two lines after the marker: the marker, then the subshell's "(".
  const first = lines.indexOf(userHookMarker) + 3;
  const bodyLength = (recipe.written.hooks?.installed ?? '').replace(/\n+$/, '').split('\n').length;
  const at = recipe.positionOf(['hooks', 'installed']);
  const inBody = (line: number): boolean => line >= first && line < first + bodyLength;
  const where = (line: number): Position => ({ ...at, ...(at.line !== undefined ? { line: at.line + (line - first) + 1 } : {}) });
  const file = join(dir, `${recipe.name}.sh`);
  await writeFile(file, text);
  const out: Diagnostic[] = [];
  const ash = findProgram('busybox', env.PATH ?? '');
  if (ash === undefined) out.push(diag('hook-check-skipped', at, `${recipe.name}: busybox is not on PATH, so hooks.installed was not read by ash -n`));
  else {
    const r = await runTool(ash, ['ash', '-n', file], { reject: false, env });
    const m = /line (\d+): (.*)/.exec(r.stderr);
    if (r.stderr.trim() !== '') {
      const line = m ? Number(m[1]) : first;
      out.push(diag('hook-syntax', inBody(line) ? where(line) : at, `${recipe.name}: hooks.installed${inBody(line) ? ` line ${line - first + 1}` : ''}: ${m ? m[2] : r.stderr.trim()}`));
    }
  }
  if (findProgram('shellcheck', env.PATH ?? '') === undefined) {
    out.push(diag('hook-check-skipped', at, `${recipe.name}: shellcheck is not on PATH, so hooks.installed was not checked by it`));
    return out;
  }
  const sc = await runTool('shellcheck', ['-s', 'sh', '-f', 'json1', file], { reject: false, env });
  const comments = (JSON.parse(sc.stdout || '{"comments":[]}') as { comments: ShellcheckComment[] }).comments;
  for (const c of comments.filter((c) => inBody(c.line))) {
    out.push(diag('hook-shellcheck', where(c.line), `${recipe.name}: hooks.installed line ${c.line - first + 1}: SC${c.code} (${c.level}): ${c.message}`));
  }
  return out;
}
