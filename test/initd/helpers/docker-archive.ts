/**
 * A minimal docker-archive image tarball (`docker save` layout: manifest.json, a config with
 * architecture, os and rootfs.diff_ids, one plain layer tar), which `ctr image import` accepts.
 */
import { createHash } from 'node:crypto';
import { makeTar } from '../../helpers/tarball.js';

const goArchOfNode: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

export async function makeDockerArchive(repoTag: string, files: Record<string, string>): Promise<Buffer> {
  const layer = await makeTar(Object.entries(files).map(([name, content]) => ({ name, content, uid: 0, gid: 0 })));
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const config = JSON.stringify({
    architecture: goArchOfNode[process.arch] ?? process.arch,
    os: 'linux',
    config: { Cmd: ['/hello'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  });
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  const manifest = JSON.stringify([{ Config: configName, RepoTags: [repoTag], Layers: ['layer/layer.tar'] }]);
  return makeTar([
    { name: 'manifest.json', content: manifest, uid: 0, gid: 0 },
    { name: configName, content: config, uid: 0, gid: 0 },
    { name: 'layer/layer.tar', content: layer, uid: 0, gid: 0 },
  ]);
}
