/**
 * Whether a cache entry is a whole extension before anything of it is published: every
 * companion the recipe's build writes must be there (an entry with only NAME.tcz would publish
 * an extension tce-load cannot check or list), and the `.md5.txt` must name the md5 of the
 * `.tcz` beside it (tce-load refuses the pair otherwise, after the download). Pure.
 */

/** The companions every build writes beside NAME.tcz (build-one.ts); `.dep` only with dependencies. */
export function requiredCompanions(hasDependencies: boolean): readonly string[] {
  return ['.md5.txt', '.info', '.list', '.build.json', ...(hasDependencies ? ['.dep'] : [])];
}

/** What is wrong with an entry's file names, or undefined when every required companion is there. */
export function missingCompanions(extension: string, names: readonly string[], required: readonly string[]): string | undefined {
  const tcz = `${extension}.tcz`;
  const missing = required.filter((suffix) => !names.includes(`${tcz}${suffix}`)).map((suffix) => `${tcz}${suffix}`);
  return missing.length ? `it lacks ${missing.join(', ')}` : undefined;
}

/** What is wrong with the `.md5.txt` text against the `.tcz`'s real md5, or undefined when they agree. */
export function md5Disagreement(extension: string, md5Txt: string, actualMd5: string): string | undefined {
  const named = /^([0-9a-f]{32})\s+\*?(\S+)\s*$/.exec(md5Txt.split('\n')[0] ?? '');
  if (!named) return `its ${extension}.tcz.md5.txt is not an md5sum line`;
  if (named[2] !== `${extension}.tcz`) return `its ${extension}.tcz.md5.txt names ${named[2]}`;
  if (named[1] !== actualMd5) return `its ${extension}.tcz.md5.txt says ${named[1]}, but ${extension}.tcz has md5 ${actualMd5}`;
  return undefined;
}
