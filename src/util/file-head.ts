/** The first bytes of a file (fewer when the file is shorter): for sniffing formats. Thin I/O. */
import { open } from 'node:fs/promises';

export async function readFileHead(path: string, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await file.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
