/**
 * The one line format an install hook uses to make a link on the box (`box_link PATH TARGET`,
 * from a recipe's box-links), written by the hook generator and read back by verify so it knows
 * which paths the box will have without the recipe. Pure.
 */
import { shq } from '../util/sh.js';

export interface BoxLinkLine {
  readonly path: string;
  readonly target: string;
}

const line = /^box_link (\S+) (\S+)(?:\s+#.*)?$/;

export function renderBoxLinkCall(path: string, target: string, why?: string): string {
  return `box_link ${shq(path)} ${shq(target)}${why ? `  # ${why.replace(/\s+/g, ' ')}` : ''}`;
}

export function parseBoxLinks(hookText: string): BoxLinkLine[] {
  return hookText.split('\n').flatMap((l) => {
    const m = line.exec(l.trim());
    return m ? [{ path: m[1]!, target: m[2]! }] : [];
  });
}
