/**
 * The files an extension has in a tcz directory: the image and its companions. The mirror's own
 * listings (e.g. the 17.x/x86_64/tcz/ directory of the TinyCore repository) show, beside each
 * NAME.tcz, NAME.tcz.dep, .info, .list, .md5.txt, .tree and .zsync; tce-load (Core-scripts
 * usr/bin/tce-load) fetches the .dep and .md5.txt of the one it installs. .build.json is
 * tczbuild's provenance record.
 */

/**
 * The extension a file of a tcz directory belongs to: `a.tcz` for a.tcz and for its companions;
 * undefined for anything else (an index, a stray file). Exact, where a name prefix is not: a
 * finding about b.tcz.tcz is not about b.tcz.
 */
export function extensionOfFile(file: string): string | undefined {
  return /^(.+\.tcz)(?:\.(?:md5\.txt|dep|info|list|zsync|tree|build\.json))?$/.exec(file)?.[1];
}
