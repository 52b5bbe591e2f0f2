import { describe, expect, it } from 'vitest';
import { parseReference, registryBaseUrl } from '../../src/images/reference.js';

const full = (text: string): string => {
  const r = parseReference(text);
  if (!r.ok) throw new Error(r.reason);
  return r.ref.full;
};

describe('parseReference', () => {
  it('keeps a fully qualified reference as ctr names it', () => {
    expect(parseReference('docker.io/openfaas/gateway:0.18.18')).toEqual({
      ok: true,
      ref: { registry: 'docker.io', repository: 'openfaas/gateway', tag: '0.18.18', full: 'docker.io/openfaas/gateway:0.18.18' },
    });
  });

  it('normalises like containerd: docker.io, library/, latest', () => {
    expect(full('nats-streaming:0.11.2')).toBe('docker.io/library/nats-streaming:0.11.2');
    expect(full('prom/prometheus')).toBe('docker.io/prom/prometheus:latest');
    expect(full('index.docker.io/openfaas/gateway:1')).toBe('docker.io/openfaas/gateway:1');
  });

  it('tells a registry with a port from a tag', () => {
    const r = parseReference('127.0.0.1:5000/team/app:v1.2');
    expect(r.ok && [r.ref.registry, r.ref.repository, r.ref.tag]).toEqual(['127.0.0.1:5000', 'team/app', 'v1.2']);
    const noTag = parseReference('localhost:5000/app');
    expect(noTag.ok && noTag.ref.full).toBe('localhost:5000/app:latest');
    const ghcr = parseReference('ghcr.io/openfaas/basic-auth:0.20.5');
    expect(ghcr.ok && ghcr.ref.repository).toBe('openfaas/basic-auth');
  });

  it('refuses digests in ref:, bad tags and bad path components', () => {
    expect(parseReference('docker.io/a/b@sha256:00').ok).toBe(false);
    expect(parseReference('docker.io/a/b:-bad').ok).toBe(false);
    expect(parseReference('docker.io/A/b:1').ok).toBe(false);
    expect(parseReference('docker.io/a//b:1').ok).toBe(false);
  });
});

describe('registryBaseUrl', () => {
  it('maps Docker Hub to its API host and uses https elsewhere, http on loopback', () => {
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
  });

  it('lets a mirror entry for the host win', () => {
    expect(registryBaseUrl('docker.io', { 'docker.io': 'http://127.0.0.1:9/' })).toBe('http://127.0.0.1:9');
  });
});
