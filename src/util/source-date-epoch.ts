/**
 * SOURCE_DATE_EPOCH as the reproducible-builds specification defines it: a decimal count of
 * seconds since 1970, digits only. A malformed value is refused, not silently replaced by the
 * git date (the spec says a build SHOULD fail on it: a user who sets it means it). mksquashfs
 * keeps times in 32 bits, hence the upper bound. Pure.
 * https://reproducible-builds.org/specs/source-date-epoch/
 */
import { fail } from '../diagnostics/errors.js';

const maxEpoch = 2 ** 32 - 1;

/** The epoch SOURCE_DATE_EPOCH names; undefined when unset or empty. Throws a TczError when malformed. */
export function sourceDateEpochFrom(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > maxEpoch) {
    fail(
      'source-date-epoch-invalid',
      undefined,
      `SOURCE_DATE_EPOCH=${JSON.stringify(raw)} is not a number of seconds since 1970 (digits only, at most ${maxEpoch})`,
      'set it to an integer such as $(git log -1 --format=%ct), or unset it to use the recipe\'s last commit time',
    );
  }
  return Number(raw);
}
