/**
 * In-process tczbuild runs over a MirrorProject's recipe set A or B (the two states an
 * interrupted or concurrent build moves between).
 */
import type { MirrorProject } from './mirror-project.js';
import { runCliJson, type RunResult } from './run.js';

export function runTczbuildWith(p: MirrorProject, set: 'A' | 'B', argv: readonly string[], o: { noProjectFlags?: boolean } = {}): Promise<RunResult> {
  const recipes = set === 'A' ? p.recipesA : p.recipesB;
  const flags = o.noProjectFlags ? ['--recipes', recipes] : ['--recipes', recipes, '--out', p.outDir, '--cache', p.cacheDir];
  return runCliJson([...argv, ...flags], p.dir);
}
