/** Every CLI command class, registered once here so main.ts and the in-process test harness agree. */
import type { CommandClass } from 'clipanion';
import type { TczContext } from '../base-command.js';
import { AllCommand } from './all.js';
import { BuildSomeCommand } from './build.js';
import { CleanCommand } from './clean.js';
import { ExplainCommand } from './explain.js';
import { FetchCommand } from './fetch.js';
import { LintCommand } from './lint.js';
import { PinCommand } from './pin.js';
import { ServeCommand } from './serve.js';
import { VerifyCommand } from './verify.js';
import { IndexCommand } from './index-command.js';
import { KernelConfigCheckCommand } from './kernel-config-check.js';
import { KernelConfigEmitCommand } from './kernel-config-emit.js';
import { KernelModuleBuildCommand } from './kernel-module-build.js';

export const commands: CommandClass<TczContext>[] = [AllCommand, BuildSomeCommand, LintCommand, FetchCommand, ExplainCommand, CleanCommand, ServeCommand, VerifyCommand, IndexCommand, PinCommand, KernelConfigCheckCommand, KernelConfigEmitCommand, KernelModuleBuildCommand];
