/**
 * The faasd overlay files are faasd 0.9.5's service definitions (recipe-data.md §2.1, §2.2),
 * and every image the compose file names is bundled by recipes/faasd.yaml under the same fully
 * qualified reference, so containerd finds it after import instead of pulling.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseReference } from '../../src/images/reference.js';

const root = join(import.meta.dirname, '../..');
const overlay = join(root, 'rootfs-overlays/faasd/usr/local/share/faasd');

interface Service {
  image: string;
  environment?: string[];
  command?: string[];
  volumes?: Array<{ type: string; source: string; target: string }>;
  cap_add?: string[];
  depends_on?: string[];
  ports?: string[];
}

const load = async <T>(file: string): Promise<T> => parse(await readFile(join(overlay, file), 'utf8')) as T;
const env = (s: Service): Record<string, string> => Object.fromEntries((s.environment ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
const secretBinds = [
  { type: 'bind', source: './secrets/basic-auth-password', target: '/run/secrets/basic-auth-password' },
  { type: 'bind', source: './secrets/basic-auth-user', target: '/run/secrets/basic-auth-user' },
];

describe('rootfs-overlays/faasd docker-compose.yaml', () => {
  it('defines the five faasd 0.9.5 core services with their images', async () => {
    const compose = await load<{ services: Record<string, Service> }>('docker-compose.yaml');
    const images = Object.fromEntries(Object.entries(compose.services).map(([name, s]) => [name, s.image]));
    expect(images).toEqual({
      'basic-auth-plugin': 'docker.io/openfaas/basic-auth-plugin:0.18.18${ARCH_SUFFIX}',
      nats: 'docker.io/library/nats-streaming:0.11.2',
      prometheus: 'docker.io/prom/prometheus:v2.14.0',
      gateway: 'docker.io/openfaas/gateway:0.18.18${ARCH_SUFFIX}',
      'queue-worker': 'docker.io/openfaas/queue-worker:0.11.2',
    });
  });

  it('wires the services as faasd 0.9.5 does', async () => {
    const { services: s } = await load<{ services: Record<string, Service> }>('docker-compose.yaml');
    expect(env(s['basic-auth-plugin']!)).toEqual({ port: '8080', secret_mount_path: '/run/secrets', user_filename: 'basic-auth-user', pass_filename: 'basic-auth-password' });
    expect(s['basic-auth-plugin']!.volumes).toEqual(secretBinds);
    expect(s.nats!.command).toEqual(['/nats-streaming-server', '-m', '8222', '--store=memory', '--cluster_id=faas-cluster']);
    expect(s.prometheus!.volumes).toEqual([{ type: 'bind', source: './prometheus.yml', target: '/etc/prometheus/prometheus.yml' }]);
    expect(s.prometheus!.ports).toEqual(['127.0.0.1:9090:9090']);
    expect(env(s.gateway!)).toEqual({
      basic_auth: 'true',
      functions_provider_url: 'http://faasd-provider:8081/',
      direct_functions: 'false',
      read_timeout: '60s',
      write_timeout: '60s',
      upstream_timeout: '65s',
      faas_nats_address: 'nats',
      faas_nats_port: '4222',
      auth_proxy_url: 'http://basic-auth-plugin:8080/validate',
      auth_proxy_pass_body: 'false',
      secret_mount_path: '/run/secrets',
      scale_from_zero: 'true',
    });
    expect(s.gateway!.depends_on).toEqual(['basic-auth-plugin', 'nats', 'prometheus']);
    expect(s.gateway!.ports).toEqual(['8080:8080']);
    expect(s.gateway!.volumes).toEqual(secretBinds);
    expect(env(s['queue-worker']!)).toEqual({
      faas_nats_address: 'nats',
      faas_nats_port: '4222',
      gateway_invoke: 'true',
      faas_gateway_address: 'gateway',
      ack_wait: '5m5s',
      max_inflight: '1',
      write_debug: 'false',
      basic_auth: 'true',
      secret_mount_path: '/run/secrets',
    });
    expect(s['queue-worker']!.depends_on).toEqual(['nats']);
    expect(s['queue-worker']!.volumes).toEqual(secretBinds);
    for (const name of ['basic-auth-plugin', 'prometheus', 'gateway']) expect(s[name]!.cap_add).toEqual(['CAP_NET_RAW']);
  });

  it('names only images recipes/faasd.yaml bundles, under the reference ctr import creates (x86_64)', async () => {
    const { services } = await load<{ services: Record<string, Service> }>('docker-compose.yaml');
    const recipe = parse(await readFile(join(root, 'recipes/faasd.yaml'), 'utf8')) as { images: Array<{ ref: string }> };
    const bundled = recipe.images.map((i) => i.ref).sort();
    const wanted = Object.values(services).map((s) => s.image.replace('${ARCH_SUFFIX}', '')).sort();
    expect(bundled).toEqual(wanted);
    for (const ref of wanted) {
      const parsed = parseReference(ref);
      expect(parsed.ok && parsed.ref.full).toBe(ref);
    }
  });
});

describe('rootfs-overlays/faasd prometheus.yml', () => {
  it('scrapes prometheus and the gateway every 15s, with no alertmanager or rules', async () => {
    const p = await load<{
      global: Record<string, string>;
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
      rule_files: unknown[];
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    }>('prometheus.yml');
    expect(p.global).toEqual({ scrape_interval: '15s', evaluation_interval: '15s' });
    expect(p.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets))).toEqual([]);
    expect(p.rule_files).toEqual([]);
    expect(p.scrape_configs.map((j) => [j.job_name, j.static_configs.flatMap((c) => c.targets)])).toEqual([
      ['prometheus', ['localhost:9090']],
      ['gateway', ['gateway:8082']],
    ]);
  });
});
