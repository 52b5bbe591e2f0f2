import { describe, expect, it } from 'vitest';
import { parseBearerChallenge, tokenFromBody, tokenUrl } from '../../src/images/registry/challenge.js';

describe('bearer challenges', () => {
  it('parses a Docker Hub style challenge, commas inside quoted scopes included', () => {
    const c = parseBearerChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:openfaas/gateway:pull,push"');
    expect(c).toEqual({ realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:openfaas/gateway:pull,push' });
  });

  it('accepts a GHCR style challenge without service, and unquoted values', () => {
    expect(parseBearerChallenge('bearer realm=https://ghcr.example/token,scope="repository:a/b:pull"')).toEqual({
      realm: 'https://ghcr.example/token',
      scope: 'repository:a/b:pull',
    });
  });

  it('ignores Basic challenges and challenges without a realm', () => {
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseBearerChallenge('Bearer service="x"')).toBeUndefined();
    expect(parseBearerChallenge(null)).toBeUndefined();
  });

  it('builds the token URL, defaulting to pull scope for the repository', () => {
    expect(tokenUrl({ realm: 'https://auth.example/token', service: 'svc' }, 'library/nats')).toBe(
      'https://auth.example/token?service=svc&scope=repository%3Alibrary%2Fnats%3Apull',
    );
    expect(tokenUrl({ realm: 'https://auth.example/token?x=1', scope: 'repository:a:pull' }, 'ignored')).toBe(
      'https://auth.example/token?x=1&scope=repository%3Aa%3Apull',
    );
  });

  it('reads token or access_token from the token response', () => {
    expect(tokenFromBody({ token: 't1' })).toBe('t1');
    expect(tokenFromBody({ access_token: 't2' })).toBe('t2');
    expect(tokenFromBody({ token: '' })).toBeUndefined();
    expect(tokenFromBody('nope')).toBeUndefined();
  });
});
