/**
 * The steps of one `tczbuild test` run, numbered: wait for the network, then `tce-load -wi`
 * for each extension named, then each recipe's `test:` steps. The host shows titles and
 * durations; the guest script (guest-script.ts) only sees ids and commands. Pure.
 */
import type { WrittenTestStep } from '../recipe/schema-test.js';

export type BoxStep =
  | { readonly id: number; readonly kind: 'network'; readonly title: string; readonly timeout: number }
  | {
      readonly id: number;
      readonly kind: 'install';
      readonly title: string;
      readonly extension: string;
      /** Why the host refuses to install it before boot (an ELF the box cannot start); the step fails with this. */
      readonly refused?: string;
    }
  | {
      readonly id: number;
      readonly kind: 'check';
      readonly title: string;
      readonly extension: string;
      /** id of the install step this check depends on */
      readonly after: number;
      readonly run: string;
      readonly expect?: string;
      readonly timeout?: number;
      /** environment the step runs with: `--env` values, and TCZBUILD_IMAGES listing the recipe's bundled ref@digest */
      readonly env: Readonly<Record<string, string>>;
    };

export interface ExtensionTests {
  readonly name: string;
  readonly steps: readonly WrittenTestStep[];
  /** the recipe's bundled images as ref@digest (what its init script imports) */
  readonly images?: readonly string[];
}

/** `extraEnv`: values from `tczbuild test --env NAME=VALUE` (e.g. which function faasd's steps deploy). */
export function planBoxSteps(extensions: readonly ExtensionTests[], networkTimeout = 60, extraEnv: Readonly<Record<string, string>> = {}): BoxStep[] {
  const steps: BoxStep[] = [{ id: 1, kind: 'network', title: 'network: default route via 10.0.2.2', timeout: networkTimeout }];
  const installs = new Map<string, number>();
  for (const e of extensions) {
    const id = steps.length + 1;
    installs.set(e.name, id);
    steps.push({ id, kind: 'install', title: `install ${e.name}: tce-load -wi ${e.name} (as tc)`, extension: e.name });
  }
  for (const e of extensions) {
    for (const t of e.steps) {
      steps.push({
        id: steps.length + 1,
        kind: 'check',
        title: `${e.name}: ${t.name ?? firstLine(t.run)}`,
        extension: e.name,
        after: installs.get(e.name) ?? 0,
        run: t.run,
        env: { ...extraEnv, TCZBUILD_IMAGES: (e.images ?? []).join(' ') },
        ...(t.expect !== undefined ? { expect: t.expect } : {}),
        ...(t.timeout !== undefined ? { timeout: t.timeout } : {}),
      });
    }
  }
  return steps;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
