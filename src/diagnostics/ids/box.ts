/** Diagnostic ids of the box runner (`tczbuild test`) and Core-scripts. Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const boxCodes = {
  'box-file-missing': { severity: 'error', exit: 1, title: 'the box definition file cannot be read', hint: 'pass --box FILE; scripts/make-standin-box.sh DIR writes DIR/box.yaml' },
  'box-file-missing-part': { severity: 'error', exit: 1, title: 'a kernel or initrd file the box names does not exist', hint: 'paths are relative to the box file; rebuild the box or fix the path' },
  'box-extension-missing': { severity: 'error', exit: 1, title: 'an extension to test is not in the mirror', hint: 'run `tczbuild build NAME` first, or pass the --out the extension was built into' },
  'box-no-qemu': { severity: 'error', exit: 1, title: 'qemu-system-x86_64 is not installed', hint: 'apt-get install qemu-system-x86 (scripts/setup.sh installs it)' },
  'box-bound': { severity: 'error', exit: 1, title: 'the guest did not finish within the bound', hint: 'read the console log; raise --bound when the box is only slow' },
  'box-guest-exited': { severity: 'error', exit: 1, title: 'the guest stopped before reporting every step', hint: 'read the console log for a kernel panic or a failed boot' },
  'box-step-failed': { severity: 'error', exit: 1, title: 'a step failed on the booted box', hint: 'read the step\'s output above and the console log the run names; run the step\'s command by hand on the box to see more' },
  'core-scripts-unavailable': { severity: 'error', exit: 1, title: "TinyCore's Core-scripts could not be had", hint: 'hand in a checkout with TCZBUILD_CORE_SCRIPTS=DIR, or run `tczbuild core-scripts` once online' },
  'core-scripts-mismatch': { severity: 'error', exit: 1, title: "Core-scripts do not match their pinned tree sha256", hint: 'hand in a checkout of the pinned commit (TCZBUILD_CORE_SCRIPTS=DIR), or fetch it again with `tczbuild core-scripts`' },
  'core-scripts-into-not-empty': { severity: 'error', exit: 1, title: 'the directory for Core-scripts is not empty', hint: 'pass --into a new or empty directory' },
  'box-finding': { severity: 'error', exit: 1, title: 'installing an extension changed a base-system directory', hint: 'the extension ships this directory with another owner or mode: drop it from the image or give it the box\'s owner and mode' },
} as const satisfies Record<string, DiagnosticCode>;
