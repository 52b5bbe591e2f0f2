import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { dirOf, rooted, shq, shWords } from '../../src/initd/sh.js';
import { busybox } from './helpers/sandbox.js';

/** What busybox ash makes of a word: each argument on its own line. */
async function words(text: string, root = '/r'): Promise<string[]> {
  const r = await execa(busybox, ['sh', '-c', `for w in ${text}; do printf '%s\\n' "$w"; done`], { env: { ROOT: root, HOME: '/home' }, extendEnv: false });
  return r.stdout.split('\n');
}

describe('shell quoting', () => {
  it('leaves plain words bare and single-quotes the rest', () => {
    expect(shq('--pull-policy')).toBe('--pull-policy');
    expect(shq('a b')).toBe(`'a b'`);
    expect(shq('')).toBe(`''`);
  });

  it('keeps every value one literal word under busybox ash', async () => {
    const values = [`it's`, '$HOME', 'a b', '`id`', '"q"', '*', 'x;y', ''];
    expect(await words(shWords(values))).toEqual(values);
  });

  it('puts box paths behind $ROOT as one word, even when ROOT has spaces', async () => {
    expect(rooted('/var/run/x.pid')).toBe('"$ROOT/var/run/x.pid"');
    expect(await words(rooted('/var/run/x.pid'), '/tmp/a b')).toEqual(['/tmp/a b/var/run/x.pid']);
    expect(await words(rooted('/odd/$HOME dir'), '/r')).toEqual(['/r/odd/$HOME dir']);
  });

  it('takes the directory of an absolute path', () => {
    expect(dirOf('/var/run/x.pid')).toBe('/var/run');
    expect(dirOf('/x')).toBe('/');
  });
});
