/**
 * Read a small input file a user names (a recipe, tczbuild.yaml, a box definition) with the
 * same limits everywhere: it must be a regular file (a FIFO would block forever, a directory or
 * a device is a mistake), and it must fit in maxBytes, checked while reading so /dev/zero or a
 * file growing under us cannot fill memory. Failures are InputFileError with a sentence that
 * says what the path is; callers turn it into their own diagnostic. Never parses.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Far above any recipe, config or box file (the flagship recipes are a few KB). */
export const maxInputBytes = 1024 * 1024;

export class InputFileError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'InputFileError';
    this.code = code;
  }
}

/**
 * Read with synchronous calls: the file is a few KB, read in microseconds, while the five awaited
 * thread-pool round trips per file (open, stat, two reads, close) made loading a repository of
 * thousands of recipes wait on them one after another. Nothing here can block: the open does not
 * wait for a FIFO's writer, and only a regular file is read.
 */
export async function readInputFile(path: string, maxBytes = maxInputBytes): Promise<string> {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait for one forever
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw fromErrno(path, error);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputFileError(`${path} is ${kindOf(st)}, not a regular file`, 'ENOTREG');
    if (st.size > maxBytes) throw tooLarge(path, maxBytes);
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(st.size + 1, 64 * 1024)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) break;
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw tooLarge(path, maxBytes);
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    throw error instanceof InputFileError ? error : fromErrno(path, error);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(path: string, maxBytes: number): InputFileError {
  return new InputFileError(`${path} is larger than ${maxBytes} bytes, far more than such a file ever needs`, 'EFBIG');
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function fromErrno(path: string, error: unknown): InputFileError {
  const e = error as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'does not exist',
    EACCES: 'cannot be read (permission denied)',
    EISDIR: 'is a directory, not a regular file',
    ENAMETOOLONG: 'has a name too long for this filesystem',
    ELOOP: 'is a symlink loop',
    ENOTDIR: 'has a path through something that is not a directory',
  };
  return new InputFileError(`${path} ${why[e.code ?? ''] ?? `cannot be read: ${e.message}`}`, e.code);
}
