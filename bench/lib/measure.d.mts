/** Types for the part of measure.mjs the TypeScript benches use. */
export function launcherFlags(cli: string): string[];
export function launch(cli: string): string[];
