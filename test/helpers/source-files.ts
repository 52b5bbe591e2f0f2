/** Every .ts file under a directory, for tests that read the project's own sources (layers, one HTTP path). */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function tsSources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsSources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}
