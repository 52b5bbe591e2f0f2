/**
 * Benchmark inputs: real binaries of about 100 MB from Debian's containerd, runc and
 * containernetworking-plugins packages (paths taken from `dpkg -L`), re-packed the way the
 * upstream releases ship them (containerd bin/*.tar.gz, a bare runc binary, a CNI plugins
 * .tgz with ./entries), plus the recipe a user would write for them. Archives are made with
 * fixed names, owners and mtimes so their sha256 is stable across runs. Writes only under
 * the given work directory.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

function dpkgFiles(pkg) {
  return execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** Regular files (not links) a package installs under the given directories. */
async function binaries(pkg, dirs, pattern = /.*/) {
  const out = [];
  for (const f of dpkgFiles(pkg)) {
    if (!dirs.some((d) => f.startsWith(`${d}/`)) || !pattern.test(basename(f))) continue;
    const st = await stat(f).catch(() => undefined);
    if (st?.isFile() && !execFileSync('find', [f, '-maxdepth', '0', '-type', 'l'], { encoding: 'utf8' }).trim()) out.push(f);
  }
  if (out.length === 0) throw new Error(`package ${pkg} installs nothing under ${dirs.join(', ')}: apt-get install ${pkg}`);
  return out.sort();
}

export async function sha256File(path) {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c);
  return h.digest('hex');
}

function tarGz(out, dir, entries) {
  execFileSync('tar', ['--sort=name', '--mtime=@1600000000', '--owner=0', '--group=0', '--numeric-owner', '-C', dir, '-czf', out, ...entries]);
}

/** Lay out sources/, recipes/containerd.yaml; returns paths, sizes and the file list. */
export async function prepareInputs(work, serverUrl) {
  const sources = join(work, 'sources');
  const stage = join(work, 'pack');
  await rm(stage, { recursive: true, force: true });
  await mkdir(sources, { recursive: true });

  const containerd = await binaries('containerd', ['/usr/bin'], /^(containerd|containerd-shim.*|ctr)$/);
  const runc = await binaries('runc', ['/usr/sbin'], /^runc$/);
  const cni = await binaries('containernetworking-plugins', ['/usr/lib/cni']);

  await mkdir(join(stage, 'containerd', 'bin'), { recursive: true });
  for (const f of containerd) await copyFile(f, join(stage, 'containerd', 'bin', basename(f)));
  await mkdir(join(stage, 'cni'), { recursive: true });
  for (const f of cni) await copyFile(f, join(stage, 'cni', basename(f)));

  const files = {
    containerd: join(sources, 'containerd-bench-linux-amd64.tar.gz'),
    runc: join(sources, 'runc.amd64'),
    cni: join(sources, 'cni-plugins-linux-amd64-bench.tgz'),
  };
  if (!existsSync(files.containerd)) tarGz(files.containerd, join(stage, 'containerd'), ['bin']);
  if (!existsSync(files.cni)) tarGz(files.cni, join(stage, 'cni'), ['.']);
  if (!existsSync(files.runc)) {
    await copyFile(runc[0], files.runc);
    await chmod(files.runc, 0o755);
  }
  await rm(stage, { recursive: true, force: true });

  const sha = {};
  for (const [k, f] of Object.entries(files)) sha[k] = await sha256File(f);
  const rawBytes = (await Promise.all([...containerd, ...runc, ...cni].map((f) => stat(f)))).reduce((a, s) => a + s.size, 0);
  const sourceBytes = (await Promise.all(Object.values(files).map((f) => stat(f)))).reduce((a, s) => a + s.size, 0);

  const recipes = join(work, 'recipes');
  await mkdir(recipes, { recursive: true });
  await writeFile(join(recipes, 'containerd.yaml'), recipeText(serverUrl, files, sha));
  return { sources, files, sha, recipes, rawBytes, sourceBytes, binaries: { containerd, runc, cni } };
}

function recipeText(url, files, sha) {
  return `name: containerd
version: "bench"
description: containerd, runc and CNI plugins (Debian binaries, benchmark input)
author: The containerd, runc and CNI authors
original-site: https://example.invalid
copying-policy: Apache-2.0
tags: [containers, benchmark]
sources:
  - url: ${url}/${basename(files.containerd)}
    sha256: ${sha.containerd}
    extract: { strip: 1, into: usr/local/bin }
  - url: ${url}/${basename(files.runc)}
    sha256: ${sha.runc}
    install: { to: usr/local/sbin/runc, mode: "0755" }
  - url: ${url}/${basename(files.cni)}
    sha256: ${sha.cni}
    extract: { strip: 0, into: opt/cni/bin }
`;
}

/**
 * The hand-made flow on the same inputs: unpack into a tree, mksquashfs with TinyCore's
 * flags, md5sum. What a mkall.sh does, nothing more.
 */
export function shellScript(files, workTree) {
  return `set -e
W='${workTree}'
rm -rf "$W"
mkdir -p "$W/root/usr/local/bin" "$W/root/usr/local/sbin" "$W/root/opt/cni/bin"
tar -xzf '${files.containerd}' --strip-components=1 -C "$W/root/usr/local/bin"
cp '${files.runc}' "$W/root/usr/local/sbin/runc"
chmod 755 "$W/root/usr/local/sbin/runc"
tar -xzf '${files.cni}' -C "$W/root/opt/cni/bin"
cd "$W"
mksquashfs root containerd.tcz -b 4k -no-xattrs -noappend -quiet -no-progress >/dev/null
md5sum containerd.tcz > containerd.tcz.md5.txt
`;
}
