/**
 * Write the recipe `tczbuild new` proposes as YAML text with comments: what it found, and a
 * TODO on every line it could only guess. Strings are JSON-quoted (valid YAML) unless plainly
 * safe, so the file parses as written. Pure.
 */
import type { ProposedSource, UrlFacts } from './propose.js';

const plain = /^[A-Za-z_][\w./:@+-]*$/;
const q = (s: string): string => (plain.test(s) && !/^(true|false|null|yes|no|on|off)$/i.test(s) ? s : JSON.stringify(s));
const list = (items: readonly string[]): string => `[${items.map(q).join(', ')}]`;

/** Put ${version} where the version appears in a URL, so a bump edits one line. */
export function templateVersion(url: string, version: string | undefined): string {
  if (!version) return url;
  const escaped = version.replace(/\./g, '\\.');
  return url.replace(new RegExp(`(?<![\\d.])${escaped}(?![\\d]|\\.\\d)`, 'g'), '${version}');
}

export function renderRecipe(name: string, facts: UrlFacts, sources: readonly ProposedSource[], command: string): string {
  const lines = [
    '# yaml-language-server: $schema=./recipe.schema.json',
    `# Written by \`${command}\`.`,
    '# Check every TODO, then run `tczbuild lint` and `tczbuild build ' + name + '`.',
    `name: ${q(name)}`,
    `version: ${JSON.stringify(facts.version ?? '0.0.0')}${facts.version ? '   # from the URL' : '   # TODO: the upstream version'}`,
    `description: ${q(name)}   # TODO: one line saying what it is (the .info Description)`,
    `author: ${JSON.stringify(facts.author ?? 'TODO')}   # TODO: check (the .info Author)`,
    `original-site: ${q(facts.site)}`,
    'copying-policy: TODO   # TODO: the licence, e.g. MIT or Apache-2.0',
    `tags: ${list([name])}`,
    'sources:',
  ];
  for (const s of sources) {
    lines.push(`  - url: ${q(templateVersion(s.url, facts.version))}`);
    lines.push(`    sha256: ${s.sha256}   # of the file downloaded by tczbuild new`);
    if (s.arch) lines.push(`    arch: [${s.arch}]   # from the file name; other arches need their own source`);
    if (s.extract) {
      const parts = [`strip: ${s.extract.strip}`, ...(s.extract.into === '' ? [] : [`into: ${q(s.extract.into)}`]), ...(s.extract.include ? [`include: ${list(s.extract.include)}`] : [])];
      lines.push(`    extract: { ${parts.join(', ')} }${s.todo ? `   # TODO: ${s.todo}` : ''}`);
    }
    if (s.install) {
      const parts = [`to: ${q(s.install.to)}`, ...(s.install.mode ? [`mode: "${s.install.mode}"`] : [])];
      lines.push(`    install: { ${parts.join(', ')} }${s.todo ? `   # TODO: ${s.todo}` : ''}`);
    }
  }
  lines.push('# depends: [NAME, …]   # TODO: extensions it needs at run time, if any');
  return `${lines.join('\n')}\n`;
}
