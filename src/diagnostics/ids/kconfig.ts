/** Diagnostic ids of kernel-config fragments, the checker and kernel-module builds. Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const kconfigCodes = {
  // reading .config text and fragments
  'kconfig-bad-line': { severity: 'error', exit: 1, title: 'a line is neither CONFIG_X=value nor "# CONFIG_X is not set"', hint: 'fix or remove the line' },
  'kconfig-fragment-missing': { severity: 'error', exit: 1, title: 'a kernel-config fragment does not exist', hint: 'add kernel-config/NAME.cfg or fix the fragment name in the recipe' },
  'kconfig-fragment-twice': { severity: 'warning', exit: 0, title: 'a fragment is merged twice', hint: 'list each fragment once' },
  'kconfig-redefined': { severity: 'warning', exit: 0, title: 'a later fragment redefines a symbol (the later value wins)', hint: 'drop the symbol from one of the fragments if the override is not meant' },
  'kconfig-redefined-strict': { severity: 'error', exit: 1, title: 'a fragment redefines a symbol in strict mode', hint: 'keep each symbol in one fragment, or merge without --strict' },
  'kconfig-demote-refused': { severity: 'warning', exit: 0, title: 'a fragment asks to demote =y to =m; kept =y', hint: 'drop the =m line from the fragment: another fragment needs the symbol built in' },
  'kconfig-symbols-invalid': { severity: 'error', exit: 1, title: 'kernel-config/symbols.yaml is not valid', hint: 'see the header comment of kernel-config/symbols.yaml for the fields' },
  'kconfig-symbol-unannotated': { severity: 'warning', exit: 0, title: 'a fragment symbol has no entry in kernel-config/symbols.yaml', hint: 'add it with its severity, who needs it and why' },
  'kconfig-config-unreadable': { severity: 'error', exit: 1, title: 'the kernel config could not be read', hint: 'pass a .config, a config.gz or /proc/config.gz' },
  // checker findings: registered at the required severity; a recommended symbol's finding is a warning
  'kconfig-missing': { severity: 'error', exit: 1, title: 'a requested kernel symbol is not enabled', hint: 'enable the symbol in the kernel config (the fix line shows the value), or build the module for the running kernel' },
  'kconfig-wrong-value': { severity: 'error', exit: 1, title: 'a requested kernel symbol has a different value', hint: 'set the symbol to the value the fix line shows' },
  'kconfig-m-not-y': { severity: 'error', exit: 1, title: 'a symbol is built as a module (=m) where it must be built in (=y)', hint: 'set it =y, or name its module in kernel-config/symbols.yaml and load it from the init script' },
  'kconfig-module-not-loaded': { severity: 'warning', exit: 0, title: 'a symbol is =m but no init script loads its module', hint: "add the module to the service's modules: list so the init script loads it" },
  'kconfig-unknown-symbol': { severity: 'error', exit: 1, title: 'a requested symbol does not exist in this kernel (renamed or removed?)', hint: 'find its new name in the kernel tree (git log -S CONFIG_NAME) and update the fragment' },
  // module build
  'kconfig-module-dropped': { severity: 'error', exit: 1, title: 'olddefconfig dropped a module symbol the build needs', hint: 'enable what the symbol depends on in the base config, or pick a kernel whose config allows it' },
  'kconfig-source-invalid': { severity: 'error', exit: 1, title: 'the --source is not a Linux kernel tree or tarball', hint: 'pass an unpacked Linux source tree (top-level Kconfig and Makefile) or a linux-*.tar.{xz,gz}' },
  'kconfig-tree-version': { severity: 'warning', exit: 0, title: 'the --kernel-tree is another kernel version than the config', hint: 'pass the source tree of the kernel version the config was made for as --kernel-tree' },
  'kconfig-release-mismatch': { severity: 'error', exit: 1, title: '--release differs from the release of the --headers tree', hint: 'pass the headers of the kernel the box runs (/usr/src/linux-headers-$(uname -r)), or drop --release' },
  'kconfig-version-mismatch': { severity: 'error', exit: 1, title: 'the base config was made for another kernel version than the source tree', hint: 'pass the source of the kernel the config was made for, or the config of the kernel the box runs' },
  'kconfig-symvers-missing': { severity: 'error', exit: 1, title: "CONFIG_MODVERSIONS=y but no Module.symvers of the target kernel was given", hint: "pass --symvers FILE (the target kernel's Module.symvers, .gz allowed) or --headers DIR (e.g. /usr/src/linux-headers-$(uname -r))" },
  'kconfig-headers-invalid': { severity: 'error', exit: 1, title: 'the --headers directory is not a prepared kernel headers tree', hint: 'pass a directory with .config, Module.symvers and include/generated/utsrelease.h, e.g. /usr/src/linux-headers-$(uname -r)' },
  'kconfig-module-vermagic': { severity: 'error', exit: 1, title: "a built module's vermagic does not match the target kernel", hint: 'build from the exact source and config (or headers) of the kernel the box runs' },
  'kconfig-module-unresolved': { severity: 'error', exit: 1, title: 'a built module needs symbols the target kernel does not export', hint: "check that --symvers/--headers belong to the kernel the box runs and that the module's dependencies are enabled in its config" },
  'kconfig-module-unversioned': { severity: 'error', exit: 1, title: "a built module lacks the target kernel's symbol CRCs (__versions)", hint: "build against the target kernel's Module.symvers (--symvers FILE or --headers DIR)" },
} as const satisfies Record<string, DiagnosticCode>;
