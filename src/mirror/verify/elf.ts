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
