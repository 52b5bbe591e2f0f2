/** Where tczbuild keeps downloads and stamps unless --cache says otherwise: $XDG_CACHE_HOME/tczbuild, else ~/.cache/tczbuild. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'tczbuild');
}
