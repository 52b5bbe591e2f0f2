/**
 * The network settings of one run: its environment (proxy variables) and an optional private
 * CA. The CLI makes them once per command (BaseCommand.network(), from the environment the entry
 * read and --ca-file) and hands them down with every request (HttpOptions.network), so two runs
 * with different proxies can share one process. Kept apart from the HTTP client (network.ts) so
 * that a command can build them without loading the client: a no-op build never touches the
 * network, and its start-up is measured in milliseconds. Pure data, no I/O.
 */

export interface NetworkSettings {
  readonly env: NodeJS.ProcessEnv;
  /** PEM file with one or more CA certificates to trust besides the system's. */
  readonly caFile?: string;
}
