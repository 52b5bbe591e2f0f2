/**
 * Diagnostic ids owned by the kernel-config module, registered once at import. Ids are a
 * contract (tests and `--json` consumers match on them): never rename or reuse one. Pure data.
 */
import { registerCodes } from '../diagnostics/codes.js';

registerCodes({
  // reading .config text and fragments
  'kconfig-bad-line': { severity: 'error', title: 'a line is neither CONFIG_X=value nor "# CONFIG_X is not set"', hint: 'fix or remove the line' },
  'kconfig-fragment-missing': { severity: 'error', title: 'a kernel-config fragment does not exist', hint: 'add kernel-config/NAME.cfg or fix the fragment name in the recipe' },
  'kconfig-fragment-twice': { severity: 'warning', title: 'a fragment is merged twice' },
  'kconfig-redefined': { severity: 'warning', title: 'a later fragment redefines a symbol (the later value wins)' },
  'kconfig-redefined-strict': { severity: 'error', title: 'a fragment redefines a symbol in strict mode' },
  'kconfig-demote-refused': { severity: 'warning', title: 'a fragment asks to demote =y to =m; kept =y' },
  'kconfig-symbols-invalid': { severity: 'error', title: 'kernel-config/symbols.yaml is not valid', hint: 'see the header comment of kernel-config/symbols.yaml for the fields' },
  'kconfig-symbol-unannotated': { severity: 'warning', title: 'a fragment symbol has no entry in kernel-config/symbols.yaml', hint: 'add it with its severity, who needs it and why' },
  'kconfig-config-unreadable': { severity: 'error', title: 'the kernel config could not be read' },
  // checker findings: registered at the required severity; a recommended symbol's finding is a warning
  'kconfig-missing': { severity: 'error', title: 'a requested kernel symbol is not enabled' },
  'kconfig-wrong-value': { severity: 'error', title: 'a requested kernel symbol has a different value' },
  'kconfig-m-not-y': { severity: 'error', title: 'a symbol is built as a module (=m) where it must be built in (=y)', hint: 'set it =y, or name its module in kernel-config/symbols.yaml and load it from the init script' },
  'kconfig-module-not-loaded': { severity: 'warning', title: 'a symbol is =m but no init script loads its module', hint: "add the module to the service's modules: list so the init script loads it" },
  'kconfig-unknown-symbol': { severity: 'error', title: 'a requested symbol does not exist in this kernel (renamed or removed?)', hint: 'find its new name in the kernel tree (git log -S CONFIG_NAME) and update the fragment' },
  // module build
  'kconfig-module-dropped': { severity: 'error', title: 'olddefconfig dropped a module symbol the build needs' },
  'kconfig-source-invalid': { severity: 'error', title: 'the --source is not a Linux kernel tree or tarball' },
  'kconfig-tree-version': { severity: 'warning', title: 'the --kernel-tree is another kernel version than the config' },
  'kconfig-release-mismatch': { severity: 'error', title: '--release differs from the release of the --headers tree', hint: 'pass the headers of the kernel the box runs (/usr/src/linux-headers-$(uname -r)), or drop --release' },
  'kconfig-version-mismatch': { severity: 'error', title: 'the base config was made for another kernel version than the source tree' },
  'kconfig-symvers-missing': { severity: 'error', title: "CONFIG_MODVERSIONS=y but no Module.symvers of the target kernel was given", hint: "pass --symvers FILE (the target kernel's Module.symvers, .gz allowed) or --headers DIR (e.g. /usr/src/linux-headers-$(uname -r))" },
  'kconfig-headers-invalid': { severity: 'error', title: 'the --headers directory is not a prepared kernel headers tree', hint: 'pass a directory with .config, Module.symvers and include/generated/utsrelease.h, e.g. /usr/src/linux-headers-$(uname -r)' },
  'kconfig-module-vermagic': { severity: 'error', title: "a built module's vermagic does not match the target kernel", hint: 'build from the exact source and config (or headers) of the kernel the box runs' },
  'kconfig-module-unresolved': { severity: 'error', title: 'a built module needs symbols the target kernel does not export', hint: "check that --symvers/--headers belong to the kernel the box runs and that the module's dependencies are enabled in its config" },
  'kconfig-module-unversioned': { severity: 'error', title: "a built module lacks the target kernel's symbol CRCs (__versions)", hint: "build against the target kernel's Module.symvers (--symvers FILE or --headers DIR)" },
});
