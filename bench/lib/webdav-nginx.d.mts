/** Types for webdav-nginx.mjs (the bench is plain JS; the integration test imports it too). */
export interface WebdavNginx {
  readonly url: string;
  /** Where nginx keeps what was PUT: `<root>/ac/<key>`, `<root>/cas/<sha256>`. */
  readonly root: string;
  stop(): Promise<void>;
}
export function startWebdavNginx(dir: string): Promise<WebdavNginx>;
