/**
 * A Bazel HTTP remote cache as the output cache sees it: `/ac/<build key>` holds an extension's
 * manifest (an ActionResult), `/cas/<sha256>` each file's bytes. Works against any server of that
 * protocol (bazel-remote, an S3/GCS-backed cache, nginx with WebDAV PUT); the base URL may carry
 * a path prefix and user:password. Says nothing about trust: callers verify every blob.
 */
import { redactUserinfo, splitUserinfo, type Credentials } from '../../util/credentials.js';
import { defaultMinRate, type MinRate } from '../../util/min-rate.js';
import type { NetworkSettings } from '../../util/network-settings.js';

/** The HTTP client (and undici under it) loads on the first call: a local-only cache never needs it. */
const client = (): Promise<typeof import('./http-client.js')> => import('./http-client.js');

/** An action-cache entry is a handful of file names and digests; anything bigger is not ours. */
const maxEntryBytes = 64 * 1024;

export interface RemoteCacheOptions {
  readonly url: string;
  /** Write what this build produced back to the cache (off for read-only CI jobs). */
  readonly upload: boolean;
  readonly timeoutMs: number;
  /** The slowest download accepted (default: defaultMinRate): a trickling server must not hold out.lock. */
  readonly minRate?: MinRate;
  /** The longest one download may take in all (default: 10 minutes). */
  readonly deadlineMs?: number;
  /** The run's proxies and private CA. */
  readonly network: NetworkSettings;
}

const defaultDeadlineMs = 10 * 60_000;

export class RemoteCache {
  readonly upload: boolean;
  /** The base URL without credentials, for messages. */
  readonly shown: string;
  private readonly base: string;
  private readonly http: { readonly network: NetworkSettings; readonly timeoutMs: number; readonly credentials: Credentials | undefined; readonly minRate: MinRate; readonly deadlineMs: number };

  constructor(o: RemoteCacheOptions) {
    const { url, credentials } = splitUserinfo(o.url);
    this.base = url.replace(/\/+$/, '');
    this.shown = redactUserinfo(o.url);
    this.upload = o.upload;
    this.http = { network: o.network, timeoutMs: o.timeoutMs, credentials, minRate: o.minRate ?? defaultMinRate, deadlineMs: o.deadlineMs ?? defaultDeadlineMs };
  }

  async getEntry(key: string): Promise<Buffer | undefined> {
    return (await client()).getBytes(`${this.base}/ac/${key}`, { ...this.http, maxBytes: maxEntryBytes });
  }

  /** A blob's bytes, refused past `size`, the size its /ac entry names (an endless body never fills the disk). */
  async getBlob(sha256: string, size: number): Promise<AsyncIterable<Uint8Array> | undefined> {
    return (await client()).getStream(`${this.base}/cas/${sha256}`, { ...this.http, maxBytes: size });
  }

  async putBlob(sha256: string, file: string, size: number): Promise<void> {
    return (await client()).put(`${this.base}/cas/${sha256}`, { file, size }, this.http);
  }

  async putEntry(key: string, entry: Buffer): Promise<void> {
    return (await client()).put(`${this.base}/ac/${key}`, entry, this.http);
  }
}
