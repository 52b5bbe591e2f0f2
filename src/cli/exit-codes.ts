/** Exit codes, in one place: 0 ok, 1 an error diagnostic, 2 usage, 70 a bug in tczbuild. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;
