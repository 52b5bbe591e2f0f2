/**
 * Build a small but real tce mirror for mirror tests: each extension is staged as a tree, packed
 * with the real `mksquashfs -b 4k -no-xattrs -noappend` and a pseudo-file list that fixes every
 * owner and mode, then given its companions (.md5.txt, .dep, .info, .list) and the mirror
 * indexes. Entries can override owner/mode so tests can plant defects.
 */
import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tczDir as tczDirOf } from '../../src/mirror/layout.js';
import { md5File } from '../../src/mirror/scan.js';
import { writeMirrorIndexes } from '../../src/mirror/write-indexes.js';
import { runTool } from '../../src/util/exec.js';

export interface FixtureEntry {
  readonly path: string;
  readonly type?: 'file' | 'dir' | 'symlink';
  readonly content?: string | Buffer;
  readonly target?: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

export interface FixtureExtension {
  /** Bare name: `hello` makes `hello.tcz`. */
  readonly name: string;
  readonly entries: readonly FixtureEntry[];
  readonly deps?: readonly string[];
  readonly tags?: readonly string[];
  readonly blockSize?: string;
  /** mksquashfs -comp (default: gzip, mksquashfs's own default). */
  readonly compression?: string;
}

/** A 64-byte ELF64 little-endian header for the given e_machine (62 = x86-64, 183 = aarch64). */
export function elfHeader(machine: number): Buffer {
  const b = Buffer.alloc(64);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little endian
  b[6] = 1; // EV_CURRENT
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(machine, 18);
  b.writeUInt32LE(1, 20);
  return b;
}

function defaultMode(e: FixtureEntry): number {
  if (e.path.startsWith('usr/local/tce.installed')) return 0o775;
  return e.type === 'dir' || e.type === undefined ? 0o755 : 0o644;
}

function parentsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

interface PlannedEntry extends FixtureEntry {
  readonly type: 'file' | 'dir' | 'symlink';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** Every entry plus its implied parent directories, each with owner and mode decided. */
function expand(entries: readonly FixtureEntry[]): PlannedEntry[] {
  const byPath = new Map<string, FixtureEntry>();
  for (const e of entries) for (const p of parentsOf(e.path)) if (!byPath.has(p)) byPath.set(p, { path: p, type: 'dir' });
  for (const e of entries) byPath.set(e.path, e);
  return [...byPath.values()].map((e) => {
    const staff = e.path.startsWith('usr/local/tce.installed');
    const type = e.type ?? 'file';
    return { ...e, type, mode: e.mode ?? defaultMode({ ...e, type }), uid: e.uid ?? 0, gid: e.gid ?? (staff ? 50 : 0) };
  });
}

export async function buildExtension(tczDir: string, ext: FixtureExtension): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'tczbuild-stage-'));
  const stage = join(work, 'root');
  const pf = join(work, 'pseudo');
  try {
    await mkdir(stage);
    const entries = expand(ext.entries);
    const pseudo: string[] = [];
    for (const e of entries) {
      const abs = join(stage, e.path);
      if (e.type === 'dir') await mkdir(abs, { recursive: true });
      else {
        await mkdir(dirname(abs), { recursive: true });
        if (e.type === 'symlink') await symlink(e.target ?? 'missing', abs);
        else await writeFile(abs, e.content ?? '');
      }
      if (e.type !== 'symlink') pseudo.push(`${e.path.includes(' ') ? `"${e.path}"` : e.path} m ${e.mode.toString(8)} ${e.uid} ${e.gid}`);
    }
    await chmod(stage, 0o755);
    await writeFile(pf, `${pseudo.join('\n')}\n`);
    const tcz = join(tczDir, `${ext.name}.tcz`);
    await mkdir(tczDir, { recursive: true });
    await runTool('mksquashfs', [stage, tcz, '-b', ext.blockSize ?? '4k', '-no-xattrs', '-noappend', '-pf', pf, '-quiet', '-no-progress', ...(ext.compression ? ['-comp', ext.compression] : [])], { env: process.env });
    await writeCompanions(tczDir, ext, entries.filter((e) => e.type !== 'dir').map((e) => e.path));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function writeCompanions(tczDir: string, ext: FixtureExtension, files: string[]): Promise<void> {
  const tcz = join(tczDir, `${ext.name}.tcz`);
  await writeFile(`${tcz}.md5.txt`, `${await md5File(tcz)}  ${ext.name}.tcz\n`);
  if (ext.deps && ext.deps.length > 0) await writeFile(`${tcz}.dep`, `${ext.deps.join('\n')}\n`);
  await writeFile(`${tcz}.list`, `${files.sort().join('\n')}\n`);
  const size = (await stat(tcz)).size;
  await writeFile(`${tcz}.info`, renderFixtureInfo(ext, size));
}

export function renderFixtureInfo(ext: FixtureExtension, sizeBytes: number): string {
  const fields: [string, string][] = [
    ['Title', `${ext.name}.tcz`],
    ['Description', `the ${ext.name} fixture`],
    ['Version', '1.0'],
    ['Author', 'fixture authors'],
    ['Original-site', 'http://127.0.0.1/'],
    ['Copying-policy', 'MIT'],
    ['Size', `${(sizeBytes / 1024).toFixed(1)}K`],
    ['Extension_by', 'tczbuild tests'],
    ['Tags', (ext.tags ?? [ext.name]).join(' ')],
    ['Comments', 'built by the mirror test fixture'],
    ['Change-log', 'first version'],
    ['Current', '2026/01/01 first version'],
  ];
  return fields.map(([k, v]) => `${k}:${k.length < 7 ? '\t\t' : '\t'}${v}`).join('\n') + '\n';
}

/** The extensions of the good mirror: a dependency chain, an upstream dep and a kernel dep. */
export const goodExtensions: readonly FixtureExtension[] = [
  {
    name: 'hello',
    deps: ['world.tcz', 'iptables.tcz', 'original-modules-KERNEL.tcz'],
    tags: ['greeting', 'demo'],
    entries: [
      { path: 'usr/local/bin/hello', content: Buffer.concat([elfHeader(62), Buffer.from('hello body')]), mode: 0o755 },
      { path: 'usr/local/bin/hi', type: 'symlink', target: 'hello' },
      { path: 'usr/local/share/doc/hello/COPYING', content: 'MIT\n' },
      { path: 'usr/local/tce.installed/hello', content: '#!/bin/sh\nexit 0\n', mode: 0o775 },
    ],
  },
  {
    name: 'world',
    tags: ['world'],
    entries: [
      { path: 'usr/local/share/world/data.txt', content: 'the world\n' },
      { path: 'usr/local/share/doc/world/COPYING', content: 'MIT\n' },
    ],
  },
];

export interface FixtureMirror {
  readonly out: string;
  readonly tczDir: string;
}

/** out/11.x/x86_64/tcz with the good extensions and fresh indexes, removed by the caller. */
export async function makeGoodMirror(out?: string, extensions: readonly FixtureExtension[] = goodExtensions): Promise<FixtureMirror> {
  const root = out ?? (await mkdtemp(join(tmpdir(), 'tczbuild-mirror-')));
  const dir = tczDirOf(root, '11', 'x86_64');
  for (const ext of extensions) await buildExtension(dir, ext);
  await writeMirrorIndexes(dir);
  return { out: root, tczDir: dir };
}
