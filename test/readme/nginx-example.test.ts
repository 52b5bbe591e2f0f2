/**
 * The README's nginx lines: the printed site config (written to a temporary file instead of
 * /etc/nginx, upstream host given as an address) is accepted by the real `nginx -t` inside an http {} block.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readmeBlock } from '../helpers/readme.js';
import { runReadmeLines } from '../helpers/readme-run.js';
import { testdir } from '../helpers/testdir.js';

describe('README: nginx for many boxes', () => {
  it('prints a site config that nginx -t accepts', async () => {
    const dir = await testdir({ 'out/11.x/x86_64/tcz/.keep': '' });
    const [print, check] = readmeBlock('## On the TinyCore box', 'sh').trim().split('\n');
    expect(check).toBe('nginx -t && nginx -s reload');
    const site = join(dir, 'site.conf');
    // nginx resolves the upstream host at start; with no DNS here it is pointed at an address.
    // nginx -t makes the proxy cache directory: kept inside the test's directory instead of /var/cache.
    const pasted = print!
      .replace('/etc/nginx/sites-enabled/tczbuild', site)
      .replace('http://repo.tinycorelinux.net/', 'http://127.0.0.1:9/')
      .replace('--print-nginx-config', `--print-nginx-config --nginx-cache ${join(dir, 'nginx-cache')}`);
    await runReadmeLines(pasted, dir, { XDG_CACHE_HOME: join(dir, 'xdg') });
    const text = await readFile(site, 'utf8');
    expect(text).toContain(`root ${dir}/out;`);
    expect(text).toContain('listen 0.0.0.0:80;');
    expect(text).toContain('proxy_pass http://127.0.0.1:9;');
    expect(text).toContain(`proxy_cache_path ${join(dir, 'nginx-cache')} `);
    const conf = join(dir, 'nginx.conf');
    await writeFile(conf, `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${site};\n}\n`);
    const t = await execa('nginx', ['-t', '-p', dir, '-c', conf], { reject: false, all: true });
    expect(t.all).toContain('test is successful');
  });
});
