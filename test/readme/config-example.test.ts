/** The README's tczbuild.yaml and its commands, pasted into a project and run. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { readmeBlock } from '../helpers/readme.js';
import { runReadmeLines } from '../helpers/readme-run.js';
import { testdir } from '../helpers/testdir.js';
import { recipeText } from '../helpers/recipe-text.js';

const section = '### Project config: `tczbuild.yaml`';
const recipe = recipeText('hello', 'overlays: [hello]\n');

describe('README: tczbuild.yaml', () => {
  it('is a valid config, `config` shows where each value came from, and --target narrows all', async () => {
    // all merges the upstream mirror's indexes; the mirror here is a fixture server on 127.0.0.1.
    const upstream = await startFixtureServer({ '/15.x/aarch64/tcz/md5.db.gz': { body: gzipSync('0123456789abcdef0123456789abcdef  iptables.tcz\n') } });
    onTestFinished(() => upstream.close());
    const pasted = readmeBlock(section, 'yaml');
    expect(pasted).toContain('upstream: http://repo.tinycorelinux.net/');
    const dir = await testdir({ 'tczbuild.yaml': pasted.replace('http://repo.tinycorelinux.net/', `${upstream.url}/`), 'recipes/hello.yaml': recipe, 'rootfs-overlays/hello/usr/local/share/hello/README': 'hello\n' });
    const out = await runReadmeLines(readmeBlock(section, 'sh'), dir);
    expect(out).toMatch(/^targets: 17\.x\/x86_64, 15\.x\/aarch64, 11\.x\/x86_64 +# tczbuild\.yaml:5$/m);
    expect(upstream.requests).toContain('/15.x/aarch64/tcz/md5.db.gz');
    expect(out).toMatch(/^registry-mirrors: docker\.io=http:\/\/127\.0\.0\.1:5000 +# tczbuild\.yaml:8$/m);
    expect(existsSync(join(dir, 'out/15.x/aarch64/tcz/hello.tcz'))).toBe(true);
    expect(existsSync(join(dir, 'out/17.x/x86_64'))).toBe(false);
    expect(existsSync(join(dir, '.tczbuild-cache'))).toBe(true);
  });
});
