/**
 * The OpenFaaS stack of faasd 0.9.5 built from its public sources (scripts/build-openfaas.sh
 * writes such a directory: bin/faasd, bin/faas-cli, images/*.tar OCI archives and
 * images/digests.txt), turned into what a user would have on a build VM: the binaries behind an
 * HTTP URL, the images in a registry standing in for docker.io, and a copy of recipes/faasd.yaml
 * whose sources are those URLs (hashed here, at run time) and whose images are left for `tczbuild
 * pin` to resolve there. Used by the real-stack box test and `npm run demo`. The hashes of these
 * builds are not upstream's: they only ever live in that generated copy, never in recipes/.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { runTool } from '../util/exec.js';
import { httpRequest, type HttpOptions } from '../util/http/request.js';
import { demoNetwork } from './network.js';

/** One image of the stack: its reference, its manifest digest and the OCI archive holding it. */
export interface OpenfaasImage {
  readonly ref: string;
  readonly digest: string;
  readonly archive: string;
  /** repository path in the registry (`openfaas/gateway`, `library/nats-streaming`) */
  readonly repo: string;
  readonly tag: string;
}

export interface OpenfaasArtifacts {
  readonly dir: string;
  readonly faasd: string;
  readonly faasCli: string;
  readonly images: readonly OpenfaasImage[];
}

/** The environment variable naming the artifacts directory (tests, `npm run demo`). */
export const openfaasDirVariable = 'TCZBUILD_OPENFAAS_DIR';

export const missingOpenfaasDir = `${openfaasDirVariable} is not set: point it at a directory with the faasd 0.9.5 stack built from source (bin/faasd, bin/faas-cli, images/*.tar, images/digests.txt); scripts/build-openfaas.sh makes one (needs Go and the network)`;

/** Read and check the directory; every problem names the file and what to do. */
export async function loadOpenfaasArtifacts(dir: string): Promise<OpenfaasArtifacts> {
  const need = (rel: string): string => {
    const p = join(dir, rel);
    if (!existsSync(p)) throw new Error(`${p} is missing: ${dir} is not a complete OpenFaaS artifacts directory (scripts/build-openfaas.sh writes one)`);
    return p;
  };
  const faasd = need('bin/faasd');
  const faasCli = need('bin/faas-cli');
  const digests = need('images/digests.txt');
  const images: OpenfaasImage[] = [];
  const lines = (await readFile(digests, 'utf8')).split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let entry: { ref?: unknown; digest?: unknown };
    try {
      entry = JSON.parse(line) as { ref?: unknown; digest?: unknown };
    } catch {
      throw new Error(`${digests}:${i + 1}: not a JSON line with "ref" and "digest"`);
    }
    const m = typeof entry.ref === 'string' ? /^docker\.io\/([a-z0-9._/-]+):([A-Za-z0-9._-]+)$/.exec(entry.ref) : null;
    if (!m || typeof entry.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(entry.digest)) {
      throw new Error(`${digests}:${i + 1}: expected {"ref": "docker.io/REPO:TAG", "digest": "sha256:…"}`);
    }
    const repo = m[1]!;
    const tag = m[2]!;
    images.push({ ref: entry.ref as string, digest: entry.digest, repo, tag, archive: need(`images/${repo.split('/').pop()!}_${tag}.tar`) });
  }
  return { dir, faasd, faasCli, images };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
}

/** One request to the local registry: its status and Location header, the body drained. */
async function registryCall(url: string, method: NonNullable<HttpOptions['method']>, body?: Buffer, contentType?: string): Promise<{ status: number; location: string | undefined }> {
  const res = await httpRequest(url, { network: demoNetwork, method, timeoutMs: 60_000, ...(body ? { body } : {}), ...(contentType ? { headers: { 'content-type': contentType } } : {}) });
  const location = res.header('location');
  await res.bytes(1 << 20);
  return { status: res.status, location };
}

/**
 * Push one OCI archive into a registry (distribution API: monolithic blob uploads, then the
 * manifest under the tag), checking every blob against its digest on the way.
 */
export async function pushOciArchive(registryUrl: string, image: OpenfaasImage): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-oci-'));
  try {
    // the demo is an entry point: it runs in this process's own environment
    await runTool('tar', ['-xf', image.archive, '-C', dir], { env: process.env });
    const blob = async (digest: string): Promise<Buffer> => {
      const bytes = await readFile(join(dir, 'blobs', ...digest.split(':')));
      if (`sha256:${sha256(bytes)}` !== digest) throw new Error(`${image.archive}: blob ${digest} does not match its digest`);
      return bytes;
    };
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
    const top = index.manifests?.[0];
    if (!top) throw new Error(`${image.archive}: index.json lists no manifest`);
    if (top.digest !== image.digest) throw new Error(`${image.archive}: manifest ${top.digest} is not the ${image.digest} digests.txt names`);
    const manifestBytes = await blob(top.digest);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { mediaType?: string; config: Descriptor; layers: Descriptor[] };
    for (const d of [manifest.config, ...manifest.layers]) {
      const bytes = await blob(d.digest);
      const start = await registryCall(`${registryUrl}/v2/${image.repo}/blobs/uploads/`, 'POST', Buffer.alloc(0));
      if (start.status !== 202) throw new Error(`${registryUrl}: upload of ${image.repo} answered ${start.status}`);
      const location = new URL(start.location ?? '', registryUrl);
      location.searchParams.set('digest', d.digest);
      const put = await registryCall(location.href, 'PUT', bytes, 'application/octet-stream');
      if (put.status !== 201) throw new Error(`${registryUrl}: blob ${d.digest} of ${image.repo} answered ${put.status}`);
    }
    const mediaType = manifest.mediaType ?? top.mediaType;
    const put = await registryCall(`${registryUrl}/v2/${image.repo}/manifests/${image.tag}`, 'PUT', manifestBytes, mediaType);
    if (put.status !== 201) throw new Error(`${registryUrl}: manifest ${image.repo}:${image.tag} answered ${put.status}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * recipes/faasd.yaml (read from repoRoot) with the binaries at binUrl (hashed now) and every
 * image of the stack to bundle, digests left for `tczbuild pin`: the core images the recipe names
 * into its namespace, any other (a function) into openfaas-fn, where the provider finds it.
 */
export async function openfaasRecipe(repoRoot: string, binUrl: string, a: OpenfaasArtifacts): Promise<string> {
  const doc = parseDocument(await readFile(join(repoRoot, 'recipes/faasd.yaml'), 'utf8'));
  const core = new Set((doc.toJS() as { images?: Array<{ ref: string }> }).images?.map((i) => i.ref) ?? []);
  const missing = [...core].filter((ref) => !a.images.some((i) => i.ref === ref));
  if (missing.length > 0) throw new Error(`${a.dir}/images/digests.txt lacks ${missing.join(', ')}, which recipes/faasd.yaml bundles`);
  doc.set(
    'sources',
    doc.createNode([
      { id: 'faasd', url: `${binUrl}/faasd`, sha256: sha256(await readFile(a.faasd)), arch: ['x86_64'], install: { to: 'usr/local/bin/faasd', mode: '0755' } },
      { id: 'faas-cli', url: `${binUrl}/faas-cli`, sha256: sha256(await readFile(a.faasCli)), arch: ['x86_64'], install: { to: 'usr/local/bin/faas-cli', mode: '0755' } },
    ]),
  );
  doc.set('images', doc.createNode(a.images.map((i) => (core.has(i.ref) ? { ref: i.ref, digest: 'unpinned' } : { ref: i.ref, digest: 'unpinned', namespace: 'openfaas-fn' }))));
  return doc.toString();
}

/** The function images: those the recipe does not bundle as core services. */
export function functionImages(a: OpenfaasArtifacts, recipeText: string): OpenfaasImage[] {
  const core = new Set((parseDocument(recipeText).toJS() as { images?: Array<{ ref: string; namespace?: string }> }).images?.filter((i) => (i.namespace ?? 'default') === 'default').map((i) => i.ref) ?? []);
  return a.images.filter((i) => !core.has(i.ref));
}
