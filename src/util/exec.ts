/**
 * runTool(): the only place tczbuild starts an external program. A missing program becomes
 * `tool-missing` with an install hint; a failure becomes `tool-failed` with the tail of its
 * stderr. Nothing else in src/ imports execa. execa is loaded on the first call, not at
 * startup: it costs ~100 ms to import and most commands never run a program.
 */
import type { Options } from 'execa';
import { fail } from '../diagnostics/errors.js';

/** Debian package that provides each tool we drive, for the install hint. */
const packageFor: Readonly<Record<string, string>> = {
  mksquashfs: 'squashfs-tools',
  unsquashfs: 'squashfs-tools',
  busybox: 'busybox-static',
  shellcheck: 'shellcheck',
  make: 'make',
  modinfo: 'kmod',
  modprobe: 'kmod',
  nm: 'binutils',
  strip: 'binutils',
  ctr: 'containerd',
  containerd: 'containerd',
};

let execaModule: Promise<typeof import('execa')> | undefined;

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

export async function runTool(file: string, args: readonly string[], options: Options = {}): Promise<ToolResult> {
  const { execa } = await (execaModule ??= import('execa'));
  try {
    const r = await execa(file, args, { ...options, stripFinalNewline: false, encoding: 'utf8' });
    return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  } catch (error) {
    const e = error as { code?: string; shortMessage?: string; stderr?: unknown; exitCode?: number };
    if (e.code === 'ENOENT') {
      const pkg = packageFor[file.split('/').pop() ?? file];
      fail('tool-missing', undefined, `${file} was not found on PATH`, pkg ? `install it: apt-get install ${pkg}` : `install ${file}`, error);
    }
    const tail = String(e.stderr ?? '').trim().split('\n').slice(-8).join('\n');
    fail('tool-failed', undefined, `${file} ${args.join(' ')} failed (${e.shortMessage ?? 'exit ' + String(e.exitCode)})${tail ? `:\n${tail}` : ''}`, undefined, error);
  }
}
