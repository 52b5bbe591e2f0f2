/**
 * The network settings of the running command: its environment (proxy variables) and an
 * optional private CA. Kept apart from the HTTP client (network.ts) so that a command can set
 * them at start without loading the client: a no-op build never touches the network, and its
 * start-up is measured in milliseconds. Pure state, no I/O.
 */

export interface NetworkSettings {
  readonly env: NodeJS.ProcessEnv;
  /** PEM file with one or more CA certificates to trust besides the system's. */
  readonly caFile?: string;
}

let settings: NetworkSettings = { env: process.env };

/** Use these settings for every request from now on (a command's environment and --ca-file). */
export function useNetwork(next: NetworkSettings): void {
  settings = next;
}

/** The settings in force. */
export function networkSettings(): NetworkSettings {
  return settings;
}
