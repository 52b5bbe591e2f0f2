/**
 * The manifest of one extension's published files, in the shape Bazel's remote cache stores
 * under `/ac/<key>`: a REAPI `ActionResult` protobuf whose `output_files` name each file and its
 * digest (sha256 + size). Using Bazel's own message means servers that validate action-cache
 * entries (bazel-remote does by default) accept ours. Only the fields we write are encoded;
 * decoding skips every other field. Pure: bytes in, bytes out; it checks names and digests so
 * that a hostile entry can never name a path outside the extension's own files.
 */
import { isSha256Hex } from '../fetch/source-cache.js';

export interface CachedFile {
  /** File name in the tcz directory, e.g. containerd.tcz or containerd.tcz.md5.txt. */
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
}

// Field numbers of build.bazel.remote.execution.v2 (remote_execution.proto).
const ACTION_RESULT_OUTPUT_FILES = 2;
const OUTPUT_FILE_PATH = 1;
const OUTPUT_FILE_DIGEST = 2;
const DIGEST_HASH = 1;
const DIGEST_SIZE = 2;
const VARINT = 0;
const LEN = 2;

export function encodeActionResult(files: readonly CachedFile[]): Buffer {
  const parts = files.map((f) => {
    const digest = Buffer.concat([lenField(DIGEST_HASH, Buffer.from(f.sha256)), varintField(DIGEST_SIZE, f.size)]);
    return lenField(ACTION_RESULT_OUTPUT_FILES, Buffer.concat([lenField(OUTPUT_FILE_PATH, Buffer.from(f.name)), lenField(OUTPUT_FILE_DIGEST, digest)]));
  });
  return Buffer.concat(parts);
}

/**
 * The files an entry names. With `extension`, each name must be NAME.tcz or NAME.tcz.<suffix>
 * (no slash, no ..) and NAME.tcz must be there; every digest must be a sha256 either way.
 * Throws an Error saying what is wrong with the entry.
 */
export function decodeActionResult(bytes: Buffer, extension?: string): CachedFile[] {
  const files: CachedFile[] = [];
  for (const f of fields(bytes)) {
    if (f.no !== ACTION_RESULT_OUTPUT_FILES) continue;
    if (!Buffer.isBuffer(f.value)) throw new Error('output_files is not a message');
    files.push(decodeOutputFile(f.value));
  }
  if (new Set(files.map((f) => f.name)).size !== files.length) throw new Error('it names a file twice');
  if (extension === undefined) return files;
  const tcz = `${extension}.tcz`;
  for (const f of files) {
    if (f.name !== tcz && !(f.name.startsWith(`${tcz}.`) && /^[A-Za-z0-9._+-]+$/.test(f.name) && !f.name.includes('..'))) {
      throw new Error(`it names a file "${f.name}" that does not belong to ${tcz}`);
    }
  }
  if (!files.some((f) => f.name === tcz)) throw new Error(`it does not name ${tcz}`);
  return files;
}

function decodeOutputFile(bytes: Buffer): CachedFile {
  let name: string | undefined;
  let digest: { sha256: string; size: number } | undefined;
  for (const f of fields(bytes)) {
    if (f.no === OUTPUT_FILE_PATH && Buffer.isBuffer(f.value)) name = f.value.toString('utf8');
    if (f.no === OUTPUT_FILE_DIGEST && Buffer.isBuffer(f.value)) digest = decodeDigest(f.value);
  }
  if (name === undefined || digest === undefined) throw new Error('an output file lacks its path or digest');
  return { name, ...digest };
}

function decodeDigest(bytes: Buffer): { sha256: string; size: number } {
  let sha256 = '';
  let size = 0;
  for (const f of fields(bytes)) {
    if (f.no === DIGEST_HASH && Buffer.isBuffer(f.value)) sha256 = f.value.toString('utf8');
    if (f.no === DIGEST_SIZE && typeof f.value === 'number') size = f.value;
  }
  if (!isSha256Hex(sha256)) throw new Error(`"${sha256.slice(0, 80)}" is not a sha256 digest`);
  return { sha256, size };
}

interface Field {
  readonly no: number;
  readonly value: number | Buffer;
}

/** Walk protobuf wire-format fields; varints above 2^53 and groups are refused. */
function* fields(bytes: Buffer): Generator<Field> {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length) throw new Error('the entry is cut off');
      if (shift > 49) throw new Error('a number in the entry is too large');
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
  };
  while (at < bytes.length) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === VARINT) yield { no, value: varint() };
    else if (wire === LEN) {
      const len = varint();
      if (at + len > bytes.length) throw new Error('the entry is cut off');
      yield { no, value: bytes.subarray(at, at + len) };
      at += len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  if (at > bytes.length) throw new Error('the entry is cut off');
}

function encodeVarint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function varintField(no: number, n: number): Buffer {
  return Buffer.concat([encodeVarint(no * 8 + VARINT), encodeVarint(n)]);
}

function lenField(no: number, body: Buffer): Buffer {
  return Buffer.concat([encodeVarint(no * 8 + LEN), encodeVarint(body.length), body]);
}
