/** tczbuild's own version, read once from package.json (it is part of every build key). */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const toolVersion: string = pkg.version;
