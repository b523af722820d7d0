// SPDX-License-Identifier: GPL-2.0
/* The preload library: a program's socket calls to one tenant.  (Being written.) */
