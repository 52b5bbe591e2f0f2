/**
 * `npm run demo`: the main job on a machine without internet. Generates stand-in release
 * assets, serves them on 127.0.0.1, writes recipes shaped like the flagship ones, and runs the
 * real `tczbuild all` (the built CLI, as a child process) against that server into out-demo/.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoAssets, demoRecipes, sha256 } from './fixtures.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const project = join(repo, 'out-demo', 'project');
const outDir = join(repo, 'out-demo', 'mirror');

const assets = await demoAssets();
const byPath = new Map(assets.map((a) => [a.path, a.bytes]));
const server = createServer((req, res) => {
  const body = byPath.get(req.url ?? '');
  if (!body) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': body.length }).end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

await rm(project, { recursive: true, force: true });
await mkdir(join(project, 'recipes'), { recursive: true });
for (const [file, text] of Object.entries(demoRecipes(base, new Map(assets.map((a) => [a.path, sha256(a.bytes)]))))) {
  await writeFile(join(project, 'recipes', file), text);
}
await cp(join(repo, 'rootfs-overlays'), join(project, 'rootfs-overlays'), { recursive: true });
await cp(join(repo, 'kernel-config'), join(project, 'kernel-config'), { recursive: true });

console.log(`demo: stand-in release assets served at ${base}`);
const cli = join(repo, 'dist', 'cli', 'main.js');
// The fixture server lives in this process, so the CLI runs as a child beside it.
const tczbuild = (args: string[]): Promise<number> =>
  new Promise((resolvePromise) => {
    console.log(`\n$ tczbuild ${args.join(' ')}`);
    spawn(process.execPath, [cli, ...args], { cwd: project, stdio: 'inherit', env: { ...process.env, CI: 'true' } }).on('exit', (code) => resolvePromise(code ?? 1));
  });

const build = ['all', '--out', outDir, '--cache', join(repo, 'out-demo', 'cache')];
let code = await tczbuild(['lint']);
if (code === 0) code = await tczbuild(build);
if (code === 0) code = await tczbuild(build); // the second run shows the no-op path
// overlayfs-KERNEL.tcz is not upstream's: `tczbuild kernel-module build` makes it for the box's kernel.
if (code === 0) code = await tczbuild(['verify', outDir, '--recipes', join(project, 'recipes'), '--allow-upstream', 'overlayfs-KERNEL']);
server.close();
if (code === 0) {
  const tcz = join(outDir, '11.x', 'x86_64', 'tcz');
  console.log(`\ndemo: the mirror in ${outDir}:`);
  console.log(execFileSync('ls', ['-l', tcz], { encoding: 'utf8' }));
  console.log(execFileSync('md5sum', ['-c', 'containerd.tcz.md5.txt', 'faasd.tcz.md5.txt'], { cwd: tcz, encoding: 'utf8' }));
  console.log(execFileSync('unsquashfs', ['-lln', join(tcz, 'faasd.tcz')], { encoding: 'utf8' }));
  console.log(`serve it to a TinyCore box with: node dist/cli/main.js serve --out ${outDir} --host 0.0.0.0`);
}
process.exitCode = code;
