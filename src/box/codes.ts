/** Diagnostic ids owned by the box runner (`tczbuild test`), registered once on import. Pure data. */
import { registerCodes } from '../diagnostics/codes.js';

registerCodes({
  'box-file-missing': { severity: 'error', title: 'the box definition file cannot be read', hint: 'pass --box FILE; scripts/make-standin-box.sh DIR writes DIR/box.yaml' },
  'box-file-missing-part': { severity: 'error', title: 'a kernel or initrd file the box names does not exist', hint: 'paths are relative to the box file; rebuild the box or fix the path' },
  'box-extension-missing': { severity: 'error', title: 'an extension to test is not in the mirror', hint: 'run `tczbuild build NAME` first, or pass the --out the extension was built into' },
  'box-no-qemu': { severity: 'error', title: 'qemu-system-x86_64 is not installed', hint: 'apt-get install qemu-system-x86 (scripts/setup.sh installs it)' },
  'box-bound': { severity: 'error', title: 'the guest did not finish within the bound', hint: 'read the console log; raise --bound when the box is only slow' },
  'box-guest-exited': { severity: 'error', title: 'the guest stopped before reporting every step', hint: 'read the console log for a kernel panic or a failed boot' },
  'box-step-failed': { severity: 'error', title: 'a step failed on the booted box' },
  'core-scripts-unavailable': { severity: 'error', title: "TinyCore's Core-scripts could not be had", hint: 'hand in a checkout with TCZBUILD_CORE_SCRIPTS=DIR, or run `tczbuild core-scripts` once online' },
  'core-scripts-mismatch': { severity: 'error', title: "Core-scripts do not match their pinned tree sha256" },
  'core-scripts-into-not-empty': { severity: 'error', title: 'the directory for Core-scripts is not empty' },
  'box-finding': { severity: 'error', title: 'installing an extension changed a base-system directory', hint: 'the extension ships this directory with another owner or mode: drop it from the image or give it the box\'s owner and mode' },
});
