/**
 * The download half of `tce-load -w hello` against `tczbuild serve --upstream`, replayed with
 * BusyBox: fetch hello.tcz.dep and each dependency's .dep recursively (-KERNEL.tcz becomes
 * -<uname -r>.tcz, a 404 .dep means no dependencies), then deepest first .md5.txt, .tcz with
 * wget -c, and md5sum -c. Our extensions come from out/, iptables and the kernel modules only
 * upstream has come through the fall-through. The script is our own reading of the documented
 * client behaviour (spec: "The mirror"), not TinyCore's code.
 */
import { createHash } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorServer } from '../../src/mirror/server.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import type { FixtureMirror } from '../mirror/fixture-mirror.js';
import { startMirrorWithUpstream, stopMirrorWithUpstream, type UpstreamPair } from '../mirror/upstream-pair.js';

const kver = '6.1.2-tinycore64';
const dir = '/11.x/x86_64/tcz';
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

const fetchScript = `
M="$1"; KVER="$2"; TOP="$3"
SEEN=""; ORDER=""
scan() {
  local n d
  n=$(echo "$1" | busybox sed "s/-KERNEL\\.tcz$/-$KVER.tcz/")
  case " $SEEN " in *" $n "*) return 0;; esac
  SEEN="$SEEN $n"
  rm -f "$n.dep"
  busybox wget -q -c "$M/$n.dep" 2>/dev/null || true
  if [ -f "$n.dep" ]; then
    for d in $(busybox awk '{gsub(/[\\t ]+/,""); if ($0 != "") print}' "$n.dep"); do scan "$d" || return 1; done
  fi
  ORDER="$ORDER $n"
}
scan "$TOP" || exit 1
for n in $ORDER; do
  busybox wget -q -c "$M/$n.md5.txt" || { echo "Error on $n"; exit 1; }
  busybox wget -q -c "$M/$n" || { echo "Error on $n"; exit 1; }
  busybox md5sum -c "$n.md5.txt" || { echo "Error on $n"; exit 1; }
done
echo "ORDER:$ORDER"
`;

let mirror: FixtureMirror;
let upstream: FixtureServer;
let server: MirrorServer;
let pair: UpstreamPair | undefined;

beforeAll(async () => {
  const upstreamFiles: Record<string, Buffer> = {
    'iptables.tcz': Buffer.alloc(70_000, 1),
    'libnetfilter.tcz': Buffer.alloc(30_000, 2),
    [`original-modules-${kver}.tcz`]: Buffer.alloc(90_000, 3),
  };
  const routes: Parameters<typeof startFixtureServer>[0] = { [`${dir}/iptables.tcz.dep`]: { body: 'libnetfilter.tcz\n' } };
  for (const [name, body] of Object.entries(upstreamFiles)) {
    routes[`${dir}/${name}`] = { body };
    routes[`${dir}/${name}.md5.txt`] = { body: `${md5(body)}  ${name}\n` };
  }
  pair = await startMirrorWithUpstream(routes);
  ({ mirror, upstream, server } = pair);
});

afterAll(() => stopMirrorWithUpstream(pair));

describe('tce-load style download through serve --upstream', () => {
  it('resolves our deps from out/ and upstream-only deps through the fall-through, deepest first, all md5-verified', async () => {
    const dl = await testdir({ 'fetch.sh': fetchScript });
    const r = await execa('busybox', ['sh', 'fetch.sh', `${server.url}${dir}`, kver, 'hello.tcz'], { cwd: dl, reject: false, all: true, timeout: 60_000 });
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(String(r.all)).toContain(`ORDER: world.tcz libnetfilter.tcz iptables.tcz original-modules-${kver}.tcz hello.tcz`);
    expect(String(r.all).match(/: OK/g)?.length).toBe(5);
    const files = await readdir(dl);
    expect(files).toEqual(expect.arrayContaining(['hello.tcz', 'world.tcz', 'iptables.tcz', 'libnetfilter.tcz', `original-modules-${kver}.tcz`]));
    // nothing we publish ourselves was asked of upstream
    expect(upstream.requests.filter((p) => /\/(hello|world)\.tcz/.test(p))).toEqual([]);
  });

  it('stops with "Error on" when a dependency exists nowhere', async () => {
    await writeFile(join(mirror.tczDir, 'world.tcz.dep'), 'ghost.tcz\n');
    const dl = await testdir({ 'fetch.sh': fetchScript });
    const r = await execa('busybox', ['sh', 'fetch.sh', `${server.url}${dir}`, kver, 'hello.tcz'], { cwd: dl, reject: false, all: true, timeout: 60_000 });
    expect(r.exitCode).toBe(1);
    expect(String(r.all)).toContain('Error on ghost.tcz');
    await rm(join(mirror.tczDir, 'world.tcz.dep'));
  });
});
