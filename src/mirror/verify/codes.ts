/**
 * Diagnostic ids of `tczbuild verify`, registered on import. Each hint is the fix; the ids are
 * the contract tests and `--json` consumers match on. Pure data.
 */
import { registerCodes } from '../../diagnostics/codes.js';

registerCodes({
  'md5-missing': { severity: 'error', title: 'NAME.tcz.md5.txt is missing', hint: 'write it with `md5sum NAME.tcz > NAME.tcz.md5.txt` in the tcz directory (or rebuild)' },
  'md5-format': { severity: 'error', title: 'NAME.tcz.md5.txt is not exactly what md5sum prints', hint: 'it must be `<32 hex>  NAME.tcz` and a newline: two spaces, bare file name, no path, LF' },
  'md5-mismatch': { severity: 'error', title: 'the md5 in NAME.tcz.md5.txt does not match NAME.tcz', hint: 'the .tcz or its .md5.txt is stale or corrupt: rebuild and republish both together' },
  'dep-crlf': { severity: 'error', title: '.dep has CR line endings', hint: 'tce-load does not strip CR: convert it to LF (dos2unix)' },
  'dep-comment': { severity: 'error', title: '.dep has a # line', hint: '.dep has no comment syntax: tce-load would fetch "#..." as an extension; delete the line' },
  'dep-suffix': { severity: 'error', title: '.dep names an extension without .tcz', hint: 'write each dependency as NAME.tcz' },
  'dep-unresolved': { severity: 'error', title: "a dependency is neither in the mirror nor in its merged upstream indexes", hint: 'publish it here, or merge the upstream indexes that list it (`tczbuild all --upstream URL`, `tczbuild index DIR --upstream URL`)' },
  'index-lacks-dep': { severity: 'warning', title: "the mirror's indexes lack an extension a .dep names", hint: 'merge the upstream indexes (`tczbuild index DIR --upstream URL`, or `all --upstream URL`) so tce-size and tce-update find it' },
  'dep-cycle': { severity: 'error', title: 'extensions depend on each other in a cycle', hint: 'remove one dependency in the cycle: tce-load cuts loops with a warning and installs in the wrong order' },
  'dep-redundant': { severity: 'warning', title: '.dep lists a dependency another dependency already pulls in', hint: 'list only direct dependencies (submitqc flags redundant ones)' },
  'list-missing': { severity: 'warning', title: 'NAME.tcz.list is missing', hint: 'write every file and symlink of the image, sorted, without leading slash (or rebuild)' },
  'list-mismatch': { severity: 'error', title: 'NAME.tcz.list does not match the image', hint: 'regenerate it from the image: every file and symlink, sorted, no directories, no leading slash' },
  'info-missing': { severity: 'warning', title: 'NAME.tcz.info is missing', hint: 'write it with all twelve fields (the Apps browser and submitqc need it)' },
  'info-fields': { severity: 'error', title: '.info fields are missing, empty, out of order or CRLF', hint: 'fields in order: Title, Description, Version, Author, Original-site, Copying-policy, Size, Extension_by, Tags, Comments, Change-log, Current; LF line endings' },
  'info-title': { severity: 'error', title: '.info Title is not the file name', hint: 'set Title: to NAME.tcz' },
  'info-size': { severity: 'error', title: '.info Size does not match the .tcz size', hint: 'set Size: to the .tcz size as du -h prints it (e.g. 88K, 2.3M)' },
  'index-missing': { severity: 'error', title: 'a mirror index (.gz) the TinyCore client scripts fetch is missing', hint: 'run `tczbuild index DIR` (tce-update fails without md5.db.gz; search, provides and depends-on need the others)' },
  'index-stale': { severity: 'error', title: 'a mirror index disagrees with the extension files', hint: 'run `tczbuild index DIR` after changing any .tcz or companion' },
  'tcz-unreadable': { severity: 'error', title: 'the .tcz is not a readable squashfs image', hint: 'rebuild it: tce-load cannot mount it' },
  'tcz-block-size': { severity: 'error', title: 'squashfs block size is not 4096', hint: 'pack with `mksquashfs ROOT NAME.tcz -b 4k -no-xattrs -noappend`' },
  'tcz-appended': { severity: 'error', title: 'the image has data appended to an older image', hint: 'pack with -noappend' },
  'tcz-empty': { severity: 'warning', title: 'the image has at most one entry in its first two levels', hint: 'tce-load treats it as a meta-extension and unmounts it after the hook; ship the files under usr/local/...' },
  'tcz-no-license': { severity: 'warning', title: 'no copyright notice under usr/local/share/doc/NAME', hint: 'ship the license text as usr/local/share/doc/NAME/COPYING (submitqc asks for it)' },
  'tcz-base-dir': { severity: 'error', title: "an image directory that TinyCore's base system has carries another owner or mode", hint: "give it the box's owner and mode (tczbuild does for what it builds), or keep it out of the image: install under usr/local and let the install hook make the link (e.g. links: in the recipe)" },
  'tcz-elf-interpreter': { severity: 'error', title: "an ELF's program interpreter does not exist on the box", hint: 'declare the link in the recipe (box-links), or ship a static build' },
  'tcz-owner': { severity: 'error', title: 'a path in the image is not owned root:root', hint: 'give every path root:root (only usr/local/tce.installed is root:staff): tce-load copies directory owners onto the live system' },
  'tcz-tce-installed': { severity: 'error', title: 'usr/local/tce.installed or its hook is not root:staff 0775 or misnamed', hint: 'make usr/local/tce.installed and its single hook NAME root:staff mode 0775' },
  'tcz-dir-mode': { severity: 'error', title: 'a directory in the image is not mode 0755', hint: 'chmod 0755 every directory (tce.installed 0775): tce-load copies directory modes onto /' },
  'tcz-world-writable': { severity: 'error', title: 'a path in the image is world-writable', hint: 'drop o+w' },
  'tcz-setuid': { severity: 'error', title: 'a file in the image is setuid or setgid', hint: 'drop the bit, or declare it in the recipe files: entry (or --allow-setuid) if it is really needed' },
  'tcz-runtime-path': { severity: 'error', title: 'the image ships a path written at run time', hint: 'do not ship it: it becomes a symlink into a read-only loop mount (EROFS); let the init script or hook create it' },
  'tcz-outside-roots': { severity: 'error', title: 'the image has entries outside the allowed top-level directories', hint: 'put files under usr/, opt/, etc/, var/, lib/, bin/ or sbin/; top-level dot files are never linked by tce-load' },
  'tcz-elf-arch': { severity: 'error', title: 'an ELF file is built for another architecture', hint: 'use the binary for the mirror arch (e.g. amd64 for x86_64, 386 for x86)' },
});
