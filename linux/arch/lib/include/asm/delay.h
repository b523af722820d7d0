/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_DELAY_H
#define _ASM_LIB_DELAY_H

/* Busy waits are measured on the host clock, never calibrated loops. */
void lib_ndelay(unsigned long nsecs);

#define ndelay(n)	lib_ndelay(n)
#define udelay(n)	lib_ndelay((n) * 1000UL)
#define __delay(loops)	lib_ndelay(loops)

#endif
