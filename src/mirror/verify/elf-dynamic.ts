/**
 * Read what the dynamic loader will ask of an ELF file from its section headers: the NEEDED
 * libraries, RPATH/RUNPATH, the symbol versions it needs from each library (with one symbol per
 * version, so a finding can name it), and whether a symbol table is still there (unstripped).
 * Pure: takes the whole file's bytes, returns undefined for anything that is not a readable ELF.
 */
import { readElfIdent } from './elf.js';

export interface VersionNeed {
  /** The library the versions come from, e.g. `libc.so.6`. */
  readonly file: string;
  /** Version name (`GLIBC_2.34`) → a dynamic symbol bound to it (`__libc_start_main`), '' when none is. */
  readonly versions: ReadonlyMap<string, string>;
}

export interface ElfDynamicInfo {
  readonly needed: readonly string[];
  readonly runpath: readonly string[];
  readonly versionNeeds: readonly VersionNeed[];
  /** A .symtab (or DWARF) is present: the file was not stripped. */
  readonly unstripped: boolean;
}

const SHT_SYMTAB = 2;
const SHT_DYNAMIC = 6;
const SHT_DYNSYM = 11;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;
const DT_NEEDED = 1;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

interface Section {
  readonly name: number;
  readonly type: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
}

export function readElfDynamic(bytes: Buffer): ElfDynamicInfo | undefined {
  const ident = readElfIdent(bytes);
  if (!ident) return undefined;
  const le = bytes[5] !== 2;
  const wide = ident.bits === 64;
  const inRange = (o: number, n: number): boolean => o >= 0 && o + n <= bytes.length;
  const u16 = (o: number): number => (le ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number): number => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const u64 = (o: number): number => Number(le ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o));
  const word = (o: number): number => (wide ? u64(o) : u32(o));
  if (!inRange(0, wide ? 64 : 52)) return undefined;
  const shoff = wide ? u64(40) : u32(32);
  const shentsize = u16(wide ? 58 : 46);
  const shnum = u16(wide ? 60 : 48);
  const shstrndx = u16(wide ? 62 : 50);
  if (shoff === 0 || shnum === 0 || !inRange(shoff, shentsize * shnum)) return undefined;
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    sections.push(
      wide
        ? { name: u32(s), type: u32(s + 4), offset: u64(s + 24), size: u64(s + 32), link: u32(s + 40), info: u32(s + 44) }
        : { name: u32(s), type: u32(s + 4), offset: u32(s + 16), size: u32(s + 20), link: u32(s + 24), info: u32(s + 28) },
    );
  }
  const str = (sec: Section | undefined, at: number): string => {
    if (!sec || at >= sec.size || !inRange(sec.offset, sec.size)) return '';
    const start = sec.offset + at;
    const end = bytes.indexOf(0, start);
    return bytes.toString('latin1', start, end < 0 || end > sec.offset + sec.size ? sec.offset + sec.size : end);
  };
  const shstr = sections[shstrndx];
  const unstripped = sections.some((s) => s.type === SHT_SYMTAB || str(shstr, s.name).startsWith('.debug_'));

  const needed: string[] = [];
  const runpath: string[] = [];
  const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
  if (dynamic && inRange(dynamic.offset, dynamic.size)) {
    const entSize = wide ? 16 : 8;
    const strtab = sections[dynamic.link];
    for (let o = dynamic.offset; o + entSize <= dynamic.offset + dynamic.size; o += entSize) {
      const tag = word(o);
      if (tag === 0) break;
      const val = word(o + entSize / 2);
      if (tag === DT_NEEDED) needed.push(str(strtab, val));
      else if (tag === DT_RPATH || tag === DT_RUNPATH) runpath.push(...str(strtab, val).split(':').filter(Boolean));
    }
  }

  // version index (vna_other) → the first dynamic symbol bound to it
  const symbolOf = new Map<number, string>();
  const versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  if (versym && dynsym && inRange(versym.offset, versym.size) && inRange(dynsym.offset, dynsym.size)) {
    const symSize = wide ? 24 : 16;
    const count = Math.min(versym.size / 2, dynsym.size / symSize);
    const dynstr = sections[dynsym.link];
    for (let i = 1; i < count; i++) {
      const idx = u16(versym.offset + i * 2) & 0x7fff;
      if (idx < 2 || symbolOf.has(idx)) continue;
      const name = str(dynstr, u32(dynsym.offset + i * symSize));
      if (name) symbolOf.set(idx, name);
    }
  }

  const versionNeeds: VersionNeed[] = [];
  const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
  if (verneed && inRange(verneed.offset, verneed.size)) {
    const strtab = sections[verneed.link];
    let at = verneed.offset;
    for (let n = 0; n < verneed.info && inRange(at, 16); n++) {
      const cnt = u16(at + 2);
      const file = str(strtab, u32(at + 4));
      const versions = new Map<string, string>();
      let aux = at + u32(at + 8);
      for (let k = 0; k < cnt && inRange(aux, 16); k++) {
        const other = u16(aux + 6);
        versions.set(str(strtab, u32(aux + 8)), symbolOf.get(other) ?? '');
        const next = u32(aux + 12);
        if (next === 0) break;
        aux += next;
      }
      versionNeeds.push({ file, versions });
      const next = u32(at + 12);
      if (next === 0) break;
      at += next;
    }
  }
  return { needed, runpath, versionNeeds, unstripped };
}
