/** Issue 22: `tczbuild test` keeps its logs where --log-dir, else tczbuild.yaml's log-dir:, says (relative to that file). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/settings.js';
import { loadConfig } from '../../src/config/load.js';
import { testdir } from '../helpers/testdir.js';
import { noNetrc } from '../helpers/no-netrc.js';

describe('log-dir', () => {
  it('comes from the flag, else from tczbuild.yaml relative to it, else is left to a fresh temporary directory', async () => {
    const dir = await testdir({ 'tczbuild.yaml': 'out: out\nlog-dir: logs/box\n', 'sub/.keep': '' });
    const config = await loadConfig({ cwd: join(dir, 'sub'), env: noNetrc() });
    expect(config).toBeDefined();
    const fromFile = resolveSettings({}, config, join(dir, 'sub'), {});
    expect(fromFile.logDir).toEqual({ value: join(dir, 'logs/box'), origin: expect.stringMatching(/tczbuild\.yaml:2$/) });
    expect(resolveSettings({ logDir: 'here' }, config, join(dir, 'sub'), {}).logDir).toEqual({ value: join(dir, 'sub/here'), origin: '--log-dir' });
    expect(resolveSettings({}, undefined, dir, {}).logDir).toEqual({ value: undefined, origin: 'default' });
  });
});
