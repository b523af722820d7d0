/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SIOCETHTOOL commands the tool RPC takes (the reads a vNIC can
 * answer), for both ends: the preload library sends exactly a command's
 * struct, the appliance sizes its buffer for the most the kernel writes.
 */
#ifndef NRPC_ETHTOOL_H
#define NRPC_ETHTOOL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ethtool.h>

/* The fixed part of @cmd's struct, or 0 for a command not taken (the
 * answer is EOPNOTSUPP).  Two have a variable tail after it:
 * ETHTOOL_GLINKSETTINGS three masks of link_mode_masks_nwords u32s,
 * ETHTOOL_GPERMADDR @size bytes of address. */
static inline size_t nrpc_ethtool_fixed(uint32_t cmd)
{
	switch (cmd) {
	case ETHTOOL_GSET:
		return sizeof(struct ethtool_cmd);
	case ETHTOOL_GDRVINFO:
		return sizeof(struct ethtool_drvinfo);
	case ETHTOOL_GWOL:
		return sizeof(struct ethtool_wolinfo);
	case ETHTOOL_GMSGLVL: case ETHTOOL_GLINK:
		return sizeof(struct ethtool_value);
	case ETHTOOL_GLINKSETTINGS:
		return sizeof(struct ethtool_link_settings);
	case ETHTOOL_GPERMADDR:
		return sizeof(struct ethtool_perm_addr);
	case ETHTOOL_GET_TS_INFO:
		return sizeof(struct ethtool_ts_info);
	}
	return 0;
}

#endif
