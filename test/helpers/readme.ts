/**
 * Code blocks from README.md, so tests run the examples exactly as a user would paste them:
 * readmeBlocks('## Recipes', 'yaml') is every ```yaml block in that section, in order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

export function readmeBlocks(heading: string, lang: string): string[] {
  const text = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section ${heading}`);
  const level = heading.split(' ')[0]!.length;
  // The section ends at the next heading of its level or above, outside code blocks.
  const lines = text.slice(start + heading.length + 2).split('\n');
  let fenced = false;
  let end = lines.length;
  for (const [i, line] of lines.entries()) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    const m = !fenced && /^(#+) /.exec(line);
    if (m && m[1]!.length <= level) {
      end = i;
      break;
    }
  }
  const section = `${lines.slice(0, end).join('\n')}\n`;
  // Blocks may be indented (inside a list item); their lines lose that indent.
  return [...section.matchAll(new RegExp(`^( *)\`\`\`${lang}\\n([\\s\\S]*?)^\\1\`\`\`$`, 'gm'))].map((m) => m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''));
}

/** The one block of that language in the section (fails when there is none or several). */
export function readmeBlock(heading: string, lang: string, index = 0): string {
  const blocks = readmeBlocks(heading, lang);
  if (!blocks[index]) throw new Error(`README.md section ${heading} has no ${lang} block #${index}`);
  return blocks[index];
}
