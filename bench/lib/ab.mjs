/**
 * `ab -k` as the serve measurements drive it (bench/serve/run.ts, S3000's serve rate in
 * scale.mjs): keep-alive requests for one URL at a fixed concurrency for a fixed time, and what
 * it reports. -n after -t lifts the 50,000 requests -t implies, so the time ends the run
 * whatever the server's rate.
 */
export function abArgs(url, seconds, concurrency) {
  return ['-q', '-k', '-c', String(concurrency), '-t', String(seconds), '-n', '100000000', '-s', '30', url];
}

/** Requests per second, and the requests that failed or were answered with other than 2xx. */
export function abResult(text) {
  const count = (re) => Number(re.exec(text)?.[1] ?? 0);
  return { rps: count(/Requests per second:\s+([\d.]+)/), errors: count(/Failed requests:\s+(\d+)/) + count(/Non-2xx responses:\s+(\d+)/) };
}
