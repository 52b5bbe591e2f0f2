/**
 * QEMU command lines for a box: the full test boot (serial console on stdio, user networking
 * so the guest reaches the host's 127.0.0.1 as 10.0.2.2, no reboot so a power-off ends QEMU)
 * and the short KVM probe `accel: auto` runs first. Pure: argument lists only.
 */

export interface BootArgs {
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline: string;
  readonly memoryMb: number;
  readonly accel: 'kvm' | 'tcg';
  readonly cpus?: number;
}

export const qemuBinary = 'qemu-system-x86_64';

function common(accel: 'kvm' | 'tcg', memoryMb: number, cpus: number): string[] {
  return ['-accel', accel, ...(accel === 'kvm' ? ['-cpu', 'host'] : []), '-m', String(memoryMb), '-smp', String(cpus),
    '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot'];
}

export function bootArgs(b: BootArgs): string[] {
  return [
    ...common(b.accel, b.memoryMb, b.cpus ?? 1),
    '-kernel', b.kernel,
    '-initrd', b.initrd,
    '-append', b.cmdline,
    '-netdev', 'user,id=net0',
    '-device', 'virtio-net-pci,netdev=net0',
  ];
}

/** A kernel-only KVM boot: it works when the kernel prints its banner within the probe's time. */
export function kvmProbeArgs(kernel: string): string[] {
  return [...common('kvm', 256, 1), '-kernel', kernel, '-append', 'console=ttyS0 panic=-1'];
}

/** The console line that proves a probe's kernel started. */
export const kernelBanner = /Linux version \d/;
