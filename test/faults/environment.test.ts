/**
 * The build machine's environment must not change or break a build: SOURCE_DATE_EPOCH exported
 * in the shell (the reproducible-builds convention tczbuild itself honours) reaches mksquashfs,
 * which refuses it together with -all-time. The build must pass and give the same bytes.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { buildArtifacts, fillPlaceholders } from './helpers/artifacts.js';
import { FALLBACK_EPOCH } from '../../src/builder/inputs.js';
import { projectDirs, runTczbuild, testEnv } from './helpers/run.js';

const template = join(import.meta.dirname, '..', 'fixtures', 'bad-recipes', 'valid-other', 'recipes', 'other.yaml');

describe('the environment of the build process', () => {
  it('builds with SOURCE_DATE_EPOCH exported, byte-identical to a build without it', async () => {
    const artifacts = await buildArtifacts();
    const server = await startFixtureServer({ '/other-1.0.tar.gz': { body: artifacts['other-1.0.tar.gz']! } });
    try {
      const images: Buffer[] = [];
      // outside git the epoch without the variable is FALLBACK_EPOCH: exporting the same value must
      // not change a byte; what is tested is that the variable reaching mksquashfs breaks nothing
      for (const exported of [undefined, String(FALLBACK_EPOCH)]) {
        const p = projectDirs(await testdir());
        await mkdir(p.recipesDir, { recursive: true });
        await writeFile(join(p.recipesDir, 'other.yaml'), fillPlaceholders(await readFile(template, 'utf8'), server.url, artifacts));
        // the build's environment as the shell exports it: without the variable, or with it
        const { SOURCE_DATE_EPOCH: _unset, ...without } = testEnv;
        const r = await runTczbuild(p, ['all'], exported === undefined ? without : { ...without, SOURCE_DATE_EPOCH: exported });
        expect(r.diagnostics).toEqual([]);
        expect(r.code).toBe(0);
        images.push(await readFile(join(p.outDir, '11.x/x86_64/tcz/other.tcz')));
      }
      expect(images[1]!.equals(images[0]!)).toBe(true);
    } finally {
      await server.close();
    }
  }, 30_000);
});
