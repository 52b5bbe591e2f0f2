/**
 * The demo's network settings: `npm run demo` is an entry point like the CLI, and its own
 * requests (the local registry, the OpenFaaS gateway) use this process's environment.
 */
import type { NetworkSettings } from '../util/network-settings.js';

export const demoNetwork: NetworkSettings = { env: process.env };
