/** boxes/box.schema.json, generated from the zod schema that validates box files at run time. Pure. */
import { z } from 'zod';
import { writtenBox } from './schema.js';

export function renderBoxJsonSchema(): string {
  const schema = z.toJSONSchema(writtenBox, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify({ ...schema, $id: 'https://tczbuild.invalid/box.schema.json', title: 'tczbuild box definition' }, null, 2)}\n`;
}
