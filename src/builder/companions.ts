/**
 * The files TinyCore expects beside NAME.tcz, rendered exactly as its client tools parse them:
 * .md5.txt as md5sum prints it, .dep one NAME.tcz per line (LF, no comments), .info with
 * all twelve fields in order, .list sorted without directories. Pure: the writer is publish.
 */
import type { InfoFields } from '../recipe/model.js';

export function renderMd5Txt(fileName: string, md5: string): string {
  return `${md5}  ${fileName}\n`;
}

/** Undefined when there are no dependencies: TinyCore reads a missing .dep as "none". */
export function renderDep(depends: readonly string[]): string | undefined {
  if (depends.length === 0) return undefined;
  return depends.map((d) => `${d.replace(/\.tcz$/, '')}.tcz\n`).join('');
}

export function renderList(paths: readonly string[]): string {
  return paths.map((p) => `${p}\n`).join('');
}

/** Size the way `du -h` prints it, which is what TinyCore's .info files carry: 88K, 2.3M, 84M. */
export function humanSize(bytes: number): string {
  const units = ['K', 'M', 'G', 'T'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value < 10 ? Math.ceil(value * 10) / 10 : Math.ceil(value);
  const text = value < 10 && shown < 10 ? shown.toFixed(1) : String(Math.ceil(value));
  return `${text}${units[unit]}`;
}

const infoFieldNames = [
  'Title',
  'Description',
  'Version',
  'Author',
  'Original-site',
  'Copying-policy',
  'Size',
  'Extension_by',
  'Tags',
  'Comments',
  'Change-log',
  'Current',
] as const;

/** `.info`: `Field:<tab>value`, continuation lines indented with tabs to the value column. */
export function renderInfo(info: InfoFields, tczBytes: number): string {
  const firstChangeLine = (info.changeLog.trim().split('\n')[0] ?? '').trim();
  const values: Record<(typeof infoFieldNames)[number], string> = {
    Title: info.title,
    Description: info.description,
    Version: info.version,
    Author: info.author,
    'Original-site': info.originalSite,
    'Copying-policy': info.copyingPolicy,
    Size: humanSize(tczBytes),
    Extension_by: info.extensionBy,
    Tags: info.tags.join(' '),
    Comments: info.comments.trim() || '-',
    'Change-log': info.changeLog.trim(),
    Current: firstChangeLine,
  };
  return infoFieldNames.map((f) => renderField(f, values[f])).join('');
}

function renderField(name: string, value: string): string {
  const lines = value.replace(/\r/g, '').split('\n').map((l) => l.trimEnd());
  const indent = '\t\t';
  return `${name}:\t${lines[0] ?? ''}\n${lines
    .slice(1)
    .map((l) => `${indent}${l}\n`)
    .join('')}`;
}
