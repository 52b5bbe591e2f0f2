/** Every CLI command class, registered once here so main.ts and the in-process test harness agree. */
import type { CommandClass } from 'clipanion';
import type { TczContext } from '../base-command.js';

export const commands: CommandClass<TczContext>[] = [];
