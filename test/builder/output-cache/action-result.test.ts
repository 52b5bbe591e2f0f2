import { describe, expect, it } from 'vitest';
import { decodeActionResult, encodeActionResult } from '../../../src/builder/output-cache/action-result.js';

const a = 'a'.repeat(64);
const b = 'b'.repeat(64);

describe('action-cache entries (REAPI ActionResult)', () => {
  it('encodes output_files with path and digest in protobuf wire format', () => {
    const bytes = encodeActionResult([{ name: 'x.tcz', sha256: a, size: 300 }]);
    // ActionResult.output_files (2, LEN) { OutputFile.path (1) "x.tcz", OutputFile.digest (2) { hash (1), size_bytes (2) varint 300 } }
    const digest = Buffer.concat([Buffer.from([0x0a, 64]), Buffer.from(a), Buffer.from([0x10, 0xac, 0x02])]);
    const file = Buffer.concat([Buffer.from([0x0a, 5]), Buffer.from('x.tcz'), Buffer.from([0x12, digest.length]), digest]);
    expect(bytes.equals(Buffer.concat([Buffer.from([0x12, file.length]), file]))).toBe(true);
  });

  it('reads back what it wrote, sizes above 2^32 included', () => {
    const files = [
      { name: 'faasd.tcz', sha256: a, size: 5_000_000_000 },
      { name: 'faasd.tcz.md5.txt', sha256: b, size: 43 },
    ];
    expect(decodeActionResult(encodeActionResult(files), 'faasd')).toEqual(files);
  });

  it('skips fields it does not write (exit_code, stdout_raw) as other clients may send them', () => {
    const extra = Buffer.from([0x20, 0x00, 0x2a, 0x02, 0x68, 0x69]);
    const files = [{ name: 'x.tcz', sha256: a, size: 1 }];
    expect(decodeActionResult(Buffer.concat([extra, encodeActionResult(files)]), 'x')).toEqual(files);
  });

  it.each([
    ['a path outside the extension', [{ name: '../../etc/passwd', sha256: a, size: 1 }, { name: 'x.tcz', sha256: b, size: 1 }], /does not belong to x.tcz/],
    ['another extension', [{ name: 'y.tcz', sha256: a, size: 1 }, { name: 'x.tcz', sha256: b, size: 1 }], /does not belong/],
    ['a subdirectory', [{ name: 'x.tcz.d/evil', sha256: a, size: 1 }, { name: 'x.tcz', sha256: b, size: 1 }], /does not belong/],
    ['no .tcz', [{ name: 'x.tcz.md5.txt', sha256: a, size: 1 }], /does not name x.tcz/],
    ['a file twice', [{ name: 'x.tcz', sha256: a, size: 1 }, { name: 'x.tcz', sha256: b, size: 1 }], /twice/],
    ['a digest that is not sha256', [{ name: 'x.tcz', sha256: 'not-hex', size: 1 }], /not a sha256/],
  ])('refuses an entry naming %s', (_what, files, error) => {
    expect(() => decodeActionResult(encodeActionResult(files), 'x')).toThrow(error);
  });

  it('refuses a cut-off entry', () => {
    const bytes = encodeActionResult([{ name: 'x.tcz', sha256: a, size: 1 }]);
    expect(() => decodeActionResult(bytes.subarray(0, bytes.length - 10), 'x')).toThrow(/cut off/);
  });
});
