/**
 * Make tar and tar.gz archives in memory for fixtures, including hostile ones (../ entries,
 * absolute paths, symlinks and hard links that point outside, device files).
 */
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

export interface TarEntry {
  readonly name: string;
  readonly type?: Header['type'];
  readonly content?: string | Buffer;
  readonly mode?: number;
  readonly linkname?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly size?: number;
}

export async function makeTar(entries: readonly TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? Buffer.from(e.content ?? '') : undefined;
    const header: Header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: e.uid ?? 1000,
      gid: e.gid ?? 1000,
      mtime: new Date(1_600_000_000_000),
      uname: '',
      gname: '',
      devmajor: 0,
      devminor: 0,
      linkname: e.linkname ?? '',
      size: e.size ?? body?.length ?? 0,
    };
    await new Promise<void>((resolve, reject) => {
      p.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function makeTarGz(entries: readonly TarEntry[]): Promise<Buffer> {
  return gzipSync(await makeTar(entries), { level: 6 });
}
