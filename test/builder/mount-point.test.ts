import { describe, expect, it } from 'vitest';
import { mountPointsIn } from '../../src/builder/mount-point.js';

describe('mountPointsIn', () => {
  it('reads the mount point field of /proc/self/mountinfo, undoing its octal escapes', () => {
    const table = [
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '36 22 8:1 /srv/volume /work/my\\040out rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '',
    ].join('\n');
    expect([...mountPointsIn(table)]).toEqual(['/', '/work/my out']);
  });
});
