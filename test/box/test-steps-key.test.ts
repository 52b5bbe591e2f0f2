import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const recipe = (extra: string): string => `name: hello\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: https://example.invalid/\ncopying-policy: MIT\noverlays: [hello]\n${extra}`;

describe('test: steps and the build key', () => {
  it('editing test: steps does not rebuild the extension; editing what is packed does', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe('test:\n  - run: hello\n'), 'rootfs-overlays/hello/usr/local/bin/hello': { content: '#!/bin/sh\necho hi\n', mode: 0o755 } });
    const env = { SOURCE_DATE_EPOCH: '1600000000' };
    const first = await tczbuild(['build', 'hello'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    const tcz = await readFile(join(dir, 'out/11.x/x86_64/tcz/hello.tcz'));
    await writeFile(join(dir, 'recipes/hello.yaml'), recipe('test:\n  - run: hello\n    expect: hi\n  - run: "true"\n'));
    const again = await tczbuild(['build', 'hello'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('hello: up to date');
    expect(await readFile(join(dir, 'out/11.x/x86_64/tcz/hello.tcz'))).toEqual(tcz);
    await writeFile(join(dir, 'recipes/hello.yaml'), recipe('tags: [x]\ntest:\n  - run: hello\n'));
    const changed = await tczbuild(['build', 'hello'], { cwd: dir, env });
    expect(changed.stdout).not.toContain('hello: up to date');
  });
});
