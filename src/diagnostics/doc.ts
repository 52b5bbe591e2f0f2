/**
 * docs/diagnostics.md, rendered from the registry: every diagnostic id with its severity, exit
 * status, title and hint, grouped by the table that declares it. Generated (npm run
 * diagnostics-doc) so the page cannot drift from the code; a test compares the two. Pure.
 */
import { codeTables, type DiagnosticCode } from './codes.js';
import { ExitCode } from './code.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderDiagnosticsDoc(): string {
  const lines = [
    '# Diagnostics: every id, its exit status and its hint',
    '',
    '<!-- Generated from src/diagnostics/ids/*.ts by `npm run diagnostics-doc`; do not edit by hand. -->',
    '',
    'Every error and warning tczbuild reports carries one of these ids (in text as `error[id]`, in',
    '`--json` as `diagnostic.id`). Ids are a contract: never renamed, never reused.',
    '',
    'Exit statuses:',
    '',
    `- \`${ExitCode.ok}\`: success. A warning alone never fails a run (\`lint --strict\` turns any finding into \`${ExitCode.failed}\`).`,
    `- \`${ExitCode.failed}\`: stopped on an error diagnostic: bad input, a failed download, a check that failed.`,
    `- \`${ExitCode.usage}\`: a usage error: an unknown or contradictory option, a bad value, a flag the command has no use for. No diagnostic id.`,
    `- \`${ExitCode.internal}\`: \`internal-error\`, a bug in tczbuild.`,
    '- `128+N`: stopped by signal N (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP, 141 for a broken pipe).',
    '',
    'A run that stops on several errors exits with the highest status among them. `--verbose` also',
    'prints what an error wrapped (an errno, the network client\'s reason) as `caused by:` lines.',
  ];
  for (const [table, entries] of Object.entries(codeTables)) {
    lines.push('', `## ${table}`, '', '| id | severity | exit | what | hint |', '| --- | --- | --- | --- | --- |');
    for (const [id, code] of Object.entries(entries) as Array<[string, DiagnosticCode]>) {
      lines.push(`| \`${id}\` | ${code.severity} | ${code.exit} | ${cell(code.title)} | ${cell(code.hint)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
