/**
 * Inputs for the many-small-extensions benchmark: N recipes of one small file each (a few KB
 * of distinct text, installed to usr/local/share/benchN/README), their sources in one
 * directory served over file:// so no server is in the measurement, and the hand-made flow
 * for the same N extensions: a serial shell loop of mkdir + cp + mksquashfs + md5sum, what a
 * repository's mkall.sh does per extension and nothing more. Writes only under the work dir.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const pad = (i) => String(i).padStart(5, '0');

/** Lay out sources/ and recipes/ for `count` one-file extensions; returns their paths. */
export async function prepareMany(work, count) {
  const sources = join(work, 'sources');
  const recipes = join(work, 'recipes');
  await rm(recipes, { recursive: true, force: true });
  await mkdir(sources, { recursive: true });
  await mkdir(recipes, { recursive: true });
  const names = [];
  for (let i = 0; i < count; i++) {
    const name = `bench${pad(i)}`;
    // ~3 KB of text that differs per extension, so no two images are the same bytes
    const body = Array.from({ length: 60 }, (_, l) => `${name} line ${l}: the quick brown fox jumps over the lazy dog\n`).join('');
    const file = join(sources, `${name}.txt`);
    await writeFile(file, body);
    const sha = createHash('sha256').update(body).digest('hex');
    await writeFile(join(recipes, `${name}.yaml`), recipeText(name, file, sha));
    names.push(name);
  }
  return { sources, recipes, names };
}

function recipeText(name, file, sha) {
  return `name: ${name}
version: "1.0"
description: one small file (benchmark input)
author: tczbuild bench
original-site: https://example.invalid
copying-policy: MIT
tags: [benchmark]
sources:
  - url: file://${file}
    sha256: ${sha}
    install: { to: usr/local/share/${name}/README }
`;
}

/** The serial hand-made flow over the same sources, with TinyCore's mksquashfs flags. */
export function manyShellScript(sourcesDir, names, workTree) {
  return `set -e
W='${workTree}'
rm -rf "$W"; mkdir -p "$W"; cd "$W"
for n in ${names.join(' ')}; do
  mkdir -p "root-$n/usr/local/share/$n"
  cp '${sourcesDir}'/"$n.txt" "root-$n/usr/local/share/$n/README"
  mksquashfs "root-$n" "$n.tcz" -b 4k -no-xattrs -noappend -all-root -quiet -no-progress >/dev/null
  md5sum "$n.tcz" > "$n.tcz.md5.txt"
done
`;
}
