/* SPDX-License-Identifier: GPL-2.0 */
#ifndef API_METRICS_H
#define API_METRICS_H
#endif
