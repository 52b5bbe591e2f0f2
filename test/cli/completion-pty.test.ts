/**
 * Completion as a user meets it: the script `tczbuild completion zsh|fish` prints is loaded
 * into a real zsh and a real fish running on a terminal (tmux gives the pty), a partial command
 * line is typed and Tab pressed, and the screen is read back: commands, options, --arch values
 * and recipe names complete, and nothing prints an error (the old zsh script died with
 * "command not found: mapfile" on the first Tab).
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const recipe = (name: string): string => `name: ${name}\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: s\ncopying-policy: MIT\n`;

interface Terminal {
  type(text: string): void;
  tab(): void;
  /** Wait until the screen shows `text` (or time out), then return the screen. */
  screenWith(text: string | RegExp): Promise<string>;
  clearLine(): void;
}

async function terminal(shell: string[], setup: string[], dir: string): Promise<Terminal> {
  const sock = join(dir, 'tmux.sock');
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-S', sock, ...args], { encoding: 'utf8', env: { ...process.env, HOME: dir, TERM: 'xterm', XDG_CONFIG_HOME: join(dir, 'cfg'), XDG_DATA_HOME: join(dir, 'data') } });
  tmux('new-session', '-d', '-s', 't', '-x', '160', '-y', '40', '-c', dir, ...shell);
  const t: Terminal = {
    type: (text) => void tmux('send-keys', '-t', 't', '-l', text),
    tab: () => void tmux('send-keys', '-t', 't', 'Tab'),
    clearLine: () => void tmux('send-keys', '-t', 't', 'C-u'),
    async screenWith(want) {
      let screen = '';
      for (let i = 0; i < 100; i++) {
        screen = tmux('capture-pane', '-p', '-t', 't');
        if (typeof want === 'string' ? screen.includes(want) : want.test(screen)) return screen;
        await sleep(100);
      }
      return screen;
    },
  };
  for (const line of setup) {
    t.type(line);
    tmux('send-keys', '-t', 't', 'Enter');
  }
  await t.screenWith('READY');
  afterCleanup(() => tmux('kill-server'));
  return t;
}

const cleanups: Array<() => void> = [];
function afterCleanup(fn: () => void): void {
  cleanups.push(fn);
}

async function project(): Promise<string> {
  return testdir({ 'recipes/gadget.yaml': recipe('gadget'), 'recipes/widget.yaml': recipe('widget') });
}

/** Type `line`, press Tab, and return the screen once `want` shows (a failing expect shows the screen). */
async function complete(t: Terminal, line: string, want: string | RegExp): Promise<string> {
  t.clearLine();
  t.type(line);
  t.tab();
  const screen = await t.screenWith(want);
  return screen;
}

describe.each([
  ['zsh', ['zsh', '-f'], (script: string) => [`PS1='> '; autoload -U compinit && compinit -u -D; eval "$(cat ${script})"; echo READY`]],
  ['fish', ['fish', '--no-config'], (script: string) => [`function fish_prompt; echo '> '; end; source ${script}; echo READY`]],
] as const)('tczbuild completion %s in a real shell on a terminal', (shell, argv, setup) => {
  it('completes commands, options, --arch values and recipe names, with no error on the screen', async () => {
    const dir = await project();
    const script = join(dir, `completion.${shell}`);
    await writeFile(script, (await tczbuild(['completion', shell], { cwd: dir })).stdout);
    const t = await terminal([...argv], setup(script), dir);
    try {
      // capture-pane trims the space completion adds, so a completed word ends its line
      expect(await complete(t, 'tczbuild veri', /tczbuild verify$/m)).toMatch(/tczbuild verify$/m);
      const both = await complete(t, 'tczbuild bu', /build[\s\S]*bump|bump[\s\S]*build/);
      expect(both).toMatch(/build/);
      expect(both).toMatch(/bump/);
      expect(await complete(t, 'tczbuild build --arc', /tczbuild build --arch$/m)).toMatch(/tczbuild build --arch$/m);
      expect(await complete(t, 'tczbuild build --arch aa', /--arch aarch64$/m)).toMatch(/tczbuild build --arch aarch64$/m);
      expect(await complete(t, 'tczbuild build gad', /tczbuild build gadget$/m)).toMatch(/tczbuild build gadget$/m);
      expect(await complete(t, 'tczbuild kernel-config ch', /kernel-config check$/m)).toMatch(/tczbuild kernel-config check$/m);
      const screen = await complete(t, 'tczbuild completion f', /tczbuild completion fish$/m);
      expect(screen).toMatch(/tczbuild completion fish$/m);
      expect(screen).not.toMatch(/command not found|unknown command|error/i);
    } finally {
      for (const fn of cleanups.splice(0)) fn();
    }
  }, 60_000);
});
