/**
 * A good fixture mirror served by `tczbuild serve --upstream`, with a second local server
 * playing the official TinyCore mirror: the setup every upstream fall-through test shares.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMirrorServer, type MirrorServer } from '../../src/mirror/server.js';
import { createUpstreamCache } from '../../src/mirror/upstream-cache.js';
import type { UpstreamLimits } from '../../src/mirror/upstream-fetch.js';
import { startFixtureServer, type FixtureServer, type Route } from '../helpers/fixture-server.js';
import { makeGoodMirror, type FixtureMirror } from './fixture-mirror.js';
import { noNetrc } from '../helpers/no-netrc.js';

export interface UpstreamPair {
  readonly mirror: FixtureMirror;
  readonly upstream: FixtureServer;
  readonly server: MirrorServer;
  readonly cacheDir: string;
}

export async function startMirrorWithUpstream(upstreamRoutes: Record<string, Route>, limits?: Partial<UpstreamLimits>): Promise<UpstreamPair> {
  const mirror = await makeGoodMirror();
  const upstream = await startFixtureServer(upstreamRoutes);
  const cacheDir = await mkdtemp(join(tmpdir(), 'tczbuild-upcache-'));
  const server = await startMirrorServer({ root: mirror.out, upstream: createUpstreamCache({ upstream: upstream.url, cacheDir, localRoot: mirror.out, limits, origin: { network: { env: noNetrc() } } }) });
  return { mirror, upstream, server, cacheDir };
}

export async function stopMirrorWithUpstream(pair: UpstreamPair | undefined): Promise<void> {
  if (!pair) return;
  await pair.server.close(100);
  await pair.upstream.close();
  await rm(pair.mirror.out, { recursive: true, force: true });
  await rm(pair.cacheDir, { recursive: true, force: true });
}
