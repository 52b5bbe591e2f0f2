import { describe, expect, it } from 'vitest';
import { indexSymbols, parseKconfigSymbols } from '../../src/kconfig/kconfig-language.js';

const kconfig = `# SPDX
menu "Core Netfilter Configuration"
	depends on INET && NETFILTER

config NETFILTER_XTABLES
	tristate "Netfilter Xtables support (required for ip_tables)"
	default m if NETFILTER_ADVANCED=n
	help
	  This is required if you intend to use any of ip_tables,
	  if you are unsure say Y.

if NETFILTER_XTABLES

menuconfig NETFILTER_XT_MATCH_COMMENT
	tristate  '"comment" match support'
	depends on NETFILTER_ADVANCED
	depends on FOO || \\
		BAR # why
	---help---
	  if this line were read as a block it would break the parse

endif # NETFILTER_XTABLES

endmenu

config OVERLAY_FS
	tristate "Overlay filesystem support"
`;

describe('parseKconfigSymbols', () => {
  it('finds config and menuconfig entries with their depends, enclosing if/menu conditions included, help text skipped', () => {
    expect(parseKconfigSymbols(kconfig)).toEqual([
      { symbol: 'NETFILTER_XTABLES', dependsOn: ['INET && NETFILTER'] },
      { symbol: 'NETFILTER_XT_MATCH_COMMENT', dependsOn: ['INET && NETFILTER', 'NETFILTER_XTABLES', 'NETFILTER_ADVANCED', 'FOO || BAR'] },
      { symbol: 'OVERLAY_FS', dependsOn: [] },
    ]);
  });

  it('merges a symbol defined in two files', () => {
    const index = indexSymbols([[{ symbol: 'A', dependsOn: ['X'] }], [{ symbol: 'A', dependsOn: ['Y', 'X'] }]]);
    expect(index.get('A')).toEqual(['X', 'Y']);
  });
});
