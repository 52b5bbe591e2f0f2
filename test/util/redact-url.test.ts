import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrlsIn } from '../../src/util/redact-url.js';

describe('redacting credentials from cache URLs', () => {
  it('replaces user and password in a URL', () => {
    expect(redactUrl('https://ci:tok3n@cache.example:9090/pool/')).toBe('https://***@cache.example:9090/pool/');
    expect(redactUrl('http://cache.example/')).toBe('http://cache.example/');
  });

  it('replaces userinfo anywhere in a message', () => {
    expect(redactUrlsIn('redirected to http://u:p@other.example/x and https://t@h/')).toBe('redirected to http://***@other.example/x and https://***@h/');
  });
});
