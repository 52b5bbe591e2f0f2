/**
 * The pin of TinyCore's Core-scripts, the rootfs scripts (/init, rcS, tc-config, tce-load,
 * tce-setup…) the stand-in box boots with: the upstream repository at one commit, the URL of
 * that commit's archive, and the tree hash (util/tree-hash.ts) of the unpacked tree. The tree
 * hash, not the tarball's sha256, is the pin: it also verifies a local checkout handed in with
 * the override, and it does not depend on how the host compresses archives. Pure data.
 *
 * Source: https://github.com/tinycorelinux/Core-scripts, commit
 * f431c41612e3427094479d8767bd219ba24f98ce (2025-10-29). The tree hash was computed from a
 * checkout of that commit (76 files; note that upstream's usr/bin/update-everything and
 * usr/bin/tce-ab have no execute bit in git, and the hash keeps it that way). docs/facts.md
 * says how to recompute it.
 */

export const coreScripts = {
  repository: 'https://github.com/tinycorelinux/Core-scripts',
  commit: 'f431c41612e3427094479d8767bd219ba24f98ce',
  date: '2025-10-29',
  /** GitHub's archive of the commit; it unpacks to Core-scripts-<commit>/ (stripped). */
  url: 'https://github.com/tinycorelinux/Core-scripts/archive/f431c41612e3427094479d8767bd219ba24f98ce.tar.gz',
  treeSha256: 'bd224ec374061d42bd5cd171bb7085e1e59757a45e65771e450404ee897e12bb',
} as const;

/** The environment variable that hands in a local checkout instead of the download. */
export const coreScriptsEnv = 'TCZBUILD_CORE_SCRIPTS';
