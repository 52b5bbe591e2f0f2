/** Exit codes, in one place (declared beside the diagnostic registry, whose ids name theirs). */
export { ExitCode } from '../diagnostics/code.js';
