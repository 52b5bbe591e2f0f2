/** Types for ab.mjs, which the TypeScript serve bench uses. */
export function abArgs(url: string, seconds: number, concurrency: number): string[];
export function abResult(text: string): { rps: number; errors: number };
