import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guestScript } from '../../src/box/guest-script.js';
import { planBoxSteps } from '../../src/box/plan.js';

const tricky = 'printf "%s\\n" "$HOME" \'single\' `echo back`\necho done; exit 3';

function script(): string {
  return guestScript(planBoxSteps([
    { name: 'containerd', steps: [{ run: tricky, expect: 'it\'s "here"', timeout: 30 }, { name: 'forever', run: 'sleep 100000' }], images: ['docker.io/library/a:1@sha256:' + 'a'.repeat(64), 'b.example/c:2@sha256:' + 'b'.repeat(64)] },
    { name: 'faasd', steps: [] },
  ]));
}

describe('generated /opt/bootlocal.sh', () => {
  it('passes shellcheck -s sh and BusyBox ash\'s parser', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tczbox-'));
    const file = join(dir, 'bootlocal.sh');
    writeFileSync(file, script());
    execFileSync('shellcheck', ['-s', 'sh', file]);
    execFileSync('busybox', ['ash', '-n', file]);
  });

  it('installs as tc with the real tce-load, in order, after the network step', () => {
    const s = script();
    expect(s).toContain('su tc -c "tce-load -wi $2"');
    const net = s.indexOf('\nnetwork 1 ');
    const c = s.indexOf('install 2 containerd');
    const f = s.indexOf('install 3 faasd');
    expect(net).toBeGreaterThan(0);
    expect(c).toBeGreaterThan(net);
    expect(f).toBeGreaterThan(c);
  });

  it('carries each step command verbatim to a file the guest runs, with its images and timeout, and runs none without its install', () => {
    const s = script();
    // write the here-documents out with the real shell and compare bytes
    const dir = mkdtempSync(join(tmpdir(), 'tczbox-'));
    const start = s.indexOf('printf \'%s\\n\' \'TCZBUILD_IMAGES=');
    const end = s.indexOf('\nif [ -e "$T/2.ok" ]; then run_check 4 30;');
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    execFileSync('busybox', ['ash', '-c', `T=${dir}\n${s.slice(start, end)}\n`]);
    expect(readFileSync(join(dir, '4.sh'), 'utf8')).toBe(`TCZBUILD_IMAGES='docker.io/library/a:1@sha256:${'a'.repeat(64)} b.example/c:2@sha256:${'b'.repeat(64)}'; export TCZBUILD_IMAGES\n${tricky}\n`);
    const seen = execFileSync('busybox', ['ash', '-c', `sed -n 1p ${join(dir, '4.sh')} >${join(dir, 'env.sh')}; . ${join(dir, 'env.sh')}; sh -c 'echo $TCZBUILD_IMAGES'`]).toString();
    expect(seen).toContain(`docker.io/library/a:1@sha256:${'a'.repeat(64)}`);
    expect(readFileSync(join(dir, '4.expect'), 'utf8')).toBe('it\'s "here"\n');
    expect(s).toContain('if [ -e "$T/2.ok" ]; then run_check 5 0; else say skip 5 "skipped: $(cat "$T/2.why" 2>/dev/null || echo \'containerd was not installed\')"; fi');
  });

  it('compares every base directory, /opt among them, around each install', () => {
    const s = script();
    expect(s).toMatch(/BASEDIRS='[^']*\/opt /);
    expect(s).toContain('compare "$1" "$T/$1.before" "$T/$1.after"');
  });
  it('gives every step the `tczbuild test --env` values, quoted, before the images tczbuild sets', () => {
    const s = guestScript(planBoxSteps([{ name: 'faasd', steps: [{ run: 'echo "$FAASD_FUNCTION_IMAGE|$ODD"' }] }], 60, { FAASD_FUNCTION_IMAGE: '127.0.0.1:5000/faas3/sha512sum:0.1', ODD: "it's $x" }));
    const dir = mkdtempSync(join(tmpdir(), 'tczbox-'));
    const start = s.indexOf("printf '%s\\n' 'FAASD_FUNCTION_IMAGE=");
    const end = s.indexOf('\nif [ -e "$T/2.ok" ]; then run_check 3 0;');
    expect(start).toBeGreaterThan(0);
    execFileSync('busybox', ['ash', '-c', `T=${dir}\n${s.slice(start, end)}\n`]);
    expect(execFileSync('busybox', ['ash', join(dir, '3.sh')]).toString()).toBe("127.0.0.1:5000/faas3/sha512sum:0.1|it's $x\n");
  });
});

/** The script's functions (everything before the first step), run under BusyBox ash with T set. */
function runFunctions(s: string, dir: string, commands: string): string {
  const defs = s.slice(s.indexOf('say() {'), s.indexOf('\nnetwork 1 '));
  try {
    return execFileSync('busybox', ['ash', '-c', `T=${dir}\nMARK='@@tczbox:n0nce'\n${defs}\n${commands}`], { encoding: 'utf8' });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? '');
  }
}

describe('test steps tell the truth', () => {
  it('a two-line expect: fails when only one line is printed, passes when both are', () => {
    const s = script();
    const dir = mkdtempSync(join(tmpdir(), 'tczbox-'));
    writeFileSync(join(dir, '9.expect'), 'first line\nsecond line\n');
    writeFileSync(join(dir, '9.sh'), 'echo first line\n');
    expect(runFunctions(s, dir, 'run_check 9 0')).toContain('@@tczbox:n0nce fail 9 output lacks: second line');
    writeFileSync(join(dir, '9.sh'), 'echo second line; echo first line\n');
    expect(runFunctions(s, dir, 'run_check 9 0')).toContain('@@tczbox:n0nce pass 9');
  });

  it('frames every line with the run\'s nonce and deletes the script so steps cannot read it', () => {
    const s = guestScript(planBoxSteps([{ name: 'x', steps: [] }]), 'abc123');
    expect(s).toMatch(/^MARK='?@@tczbox:abc123'?$/m);
    expect(s).toContain('case $0 in */bootlocal.sh) rm -f "$0" ;; esac');
    expect(s).not.toMatch(/echo "@@tczbox /);
  });

  it('a check skipped after its install changed base directories says why', () => {
    const s = script();
    const dir = mkdtempSync(join(tmpdir(), 'tczbox-'));
    writeFileSync(join(dir, '2.why'), 'installing containerd changed base-system directories\n');
    const line = s.split('\n').find((l) => l.startsWith('if [ -e "$T/2.ok" ]; then run_check 5 0;'))!;
    expect(runFunctions(s, dir, line)).toContain('@@tczbox:n0nce skip 5 skipped: installing containerd changed base-system directories');
  });

  it('an install the host refused fails at install with the reason, and its checks say so', () => {
    const steps = planBoxSteps([{ name: 'dtrue', steps: [{ run: 'dtrue' }] }]).map((x) => (x.kind === 'install' ? { ...x, refused: 'usr/local/bin/dtrue asks for the loader /lib64/ld-linux-x86-64.so.2' } : x));
    const s = guestScript(steps);
    const dir = mkdtempSync(join(tmpdir(), 'tczbox-'));
    const body = s.slice(s.indexOf('\nrefuse 2 '), s.indexOf("\nsay 'done'"));
    const out = runFunctions(s, dir, body.replace(/cat >>?"\$T[^\n]*<<'TCZBOX_END_OF_TEXT'\n[\s\S]*?TCZBOX_END_OF_TEXT\n?/g, '').replace(/^(printf|: >).*$/gm, ''));
    expect(out).toContain('@@tczbox:n0nce fail 2 usr/local/bin/dtrue asks for the loader /lib64/ld-linux-x86-64.so.2');
    expect(out).toContain('@@tczbox:n0nce skip 3 skipped: usr/local/bin/dtrue asks for the loader /lib64/ld-linux-x86-64.so.2');
  });
});
