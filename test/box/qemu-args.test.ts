import { describe, expect, it } from 'vitest';
import { bootArgs, kvmProbeArgs } from '../../src/box/qemu-args.js';

function after(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('QEMU command lines', () => {
  it('boots the kernel and initrd with the box cmdline, serial on stdio, user networking, no reboot', () => {
    const args = bootArgs({ kernel: '/b/vmlinuz', initrd: '/w/initrd.gz', cmdline: 'console=ttyS0 nozswap', memoryMb: 768, accel: 'tcg' });
    expect(after(args, '-accel')).toBe('tcg');
    expect(after(args, '-kernel')).toBe('/b/vmlinuz');
    expect(after(args, '-initrd')).toBe('/w/initrd.gz');
    expect(after(args, '-append')).toBe('console=ttyS0 nozswap');
    expect(after(args, '-m')).toBe('768');
    expect(after(args, '-serial')).toBe('stdio');
    expect(after(args, '-netdev')).toBe('user,id=net0');
    expect(after(args, '-device')).toBe('virtio-net-pci,netdev=net0');
    expect(args).toContain('-no-reboot');
    expect(args).not.toContain('-cpu');
  });

  it('uses the host CPU under KVM and probes with a kernel-only boot that ends on panic', () => {
    expect(after(bootArgs({ kernel: 'k', initrd: 'i', cmdline: 'c', memoryMb: 512, accel: 'kvm' }), '-cpu')).toBe('host');
    const probe = kvmProbeArgs('/b/vmlinuz');
    expect(after(probe, '-accel')).toBe('kvm');
    expect(probe).not.toContain('-initrd');
    expect(after(probe, '-append')).toContain('panic=-1');
    expect(probe).toContain('-no-reboot');
  });
});
