/**
 * gunzip with a cap on what comes out: a small .gz can inflate to gigabytes (a gzip bomb), and
 * every caller here reads the result whole. Past the cap it throws a RangeError-based
 * InflateTooLarge that names the cap; the caller words the diagnostic. Pure apart from zlib.
 */
import { gunzipSync } from 'node:zlib';

export class InflateTooLarge extends Error {
  constructor(readonly limit: number, cause: unknown) {
    super(`it inflates to more than ${limit} bytes`, { cause });
    this.name = 'InflateTooLarge';
  }
}

export function gunzipCapped(bytes: Buffer, limit: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new InflateTooLarge(limit, error);
    throw error;
  }
}
