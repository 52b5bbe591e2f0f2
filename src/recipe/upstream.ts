/**
 * Upstream TinyCore extensions our recipes are known to depend on: what a `depends:` entry may
 * name without a recipe here. `verify` vouches only for the ones upstream really publishes
 * (a warning while the mirror's indexes lack them); overlayfs-KERNEL is not one of them: TinyCore
 * ships no overlay module, `tczbuild kernel-module build` makes it. Pure data.
 */
export const upstreamPublished: readonly string[] = ['iptables', 'original-modules-KERNEL', 'netfilter-KERNEL', 'zstd'];

/** Extensions tczbuild builds itself (kernel-module build) that recipes may name. */
export const builtByKernelModule: readonly string[] = ['overlayfs-KERNEL'];

export const knownUpstreamExtensions: readonly string[] = [...upstreamPublished, ...builtByKernelModule];
