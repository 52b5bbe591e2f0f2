/** The README's main job on a machine without internet: `npm run demo` must build a mirror that verifies. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repo = new URL('../..', import.meta.url).pathname;

describe('npm run demo', () => {
  it('builds containerd.tcz and faasd.tcz through a local stand-in of upstream, and verify passes', async () => {
    expect(existsSync(join(repo, 'dist/demo/main.js')), 'the built demo is missing: run npm run build').toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [join(repo, 'dist/demo/main.js')], { cwd: repo, timeout: 120_000 });
    expect(stdout).toContain('built containerd, faasd');
    expect(stdout).toContain('nothing to do: containerd, faasd up to date');
    expect(stdout).toContain('containerd.tcz: OK\nfaasd.tcz: OK');
    expect(stdout).toMatch(/verified 2 extension\(s\) in 1 directory: 0 error\(s\)/);
    expect(stdout).toMatch(/-rwxr-xr-x 0\/0 +\d+ \S+ \S+ squashfs-root\/usr\/local\/etc\/init\.d\/faasd/);
    // the .info says what the images hold: stand-in scripts, not the releases their names mimic
    const info = async (name: string): Promise<string> => readFile(join(repo, 'out-demo/mirror/11.x/x86_64/tcz', `${name}.tcz.info`), 'utf8');
    expect(await info('containerd')).toMatch(/^Comments:\tDemo stand-ins, not containerd: shell scripts named and laid out like containerd 1\.4\.0/m);
    expect(await info('faasd')).toMatch(/^Comments:\tDemo stand-ins, not faasd:/m);
  });
});
