/**
 * Read the machine an ELF file was built for from its header (e_ident class/data, e_machine
 * at offset 18) and say which machines a TinyCore arch directory runs. Pure.
 */

export const elfMagic = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export interface ElfIdent {
  readonly bits: 32 | 64;
  readonly machine: number;
}

export function readElfIdent(header: Buffer): ElfIdent | undefined {
  if (header.length < 20 || !header.subarray(0, 4).equals(elfMagic)) return undefined;
  const bits = header[4] === 2 ? 64 : header[4] === 1 ? 32 : undefined;
  if (!bits) return undefined;
  const machine = header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  return { bits, machine };
}

const machineNames: Readonly<Record<number, string>> = { 3: 'i386', 40: 'ARM', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64' };

export function machineName(machine: number): string {
  return machineNames[machine] ?? `e_machine ${machine}`;
}

/** What a box of each TinyCore arch executes. */
const expected: Readonly<Record<string, ElfIdent>> = {
  x86_64: { bits: 64, machine: 62 },
  x86: { bits: 32, machine: 3 },
  aarch64: { bits: 64, machine: 183 },
  armv7: { bits: 32, machine: 40 },
  armv6: { bits: 32, machine: 40 },
};

export function expectedElf(arch: string): ElfIdent | undefined {
  return expected[arch];
}

const PT_INTERP = 3;

/**
 * The program interpreter (PT_INTERP) an ELF asks the kernel for, from the file's first bytes;
 * undefined for a static binary, a non-ELF, or when the segment lies beyond `bytes`.
 */
export function readElfInterpreter(bytes: Buffer): string | undefined {
  const ident = readElfIdent(bytes);
  if (!ident) return undefined;
  const le = bytes[5] !== 2;
  const u16 = (o: number): number => (le ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number): number => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const u64 = (o: number): number => Number(le ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o));
  const wide = ident.bits === 64;
  if (bytes.length < (wide ? 64 : 52)) return undefined;
  const phoff = wide ? u64(32) : u32(28);
  const phentsize = u16(wide ? 54 : 42);
  const phnum = u16(wide ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + phentsize > bytes.length) return undefined;
    if (u32(ph) !== PT_INTERP) continue;
    const offset = wide ? u64(ph + 8) : u32(ph + 4);
    const size = wide ? u64(ph + 32) : u32(ph + 16);
    if (offset + size > bytes.length || size === 0) return undefined;
    return bytes.subarray(offset, offset + size).toString('latin1').replace(/\0.*$/s, '');
  }
  return undefined;
}
