/**
 * Upstream TinyCore extensions our recipes are known to depend on: what a `depends:` entry may
 * name without a recipe here, and what `verify` accepts in a .dep without finding it in the
 * mirror. Pure data.
 */
export const knownUpstreamExtensions: readonly string[] = ['iptables', 'original-modules-KERNEL', 'netfilter-KERNEL', 'overlayfs-KERNEL', 'zstd'];
