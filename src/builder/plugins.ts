/**
 * The stage plugins every build uses, in order. Modules that own a recipe section register
 * here; the builder itself stays ignorant of init scripts, images and kernel config.
 */
import type { StagePlugin } from './plugin.js';

export const defaultPlugins: readonly StagePlugin[] = [];
