/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_PERCPU_H
#define _ASM_LIB_PERCPU_H

#ifdef CONFIG_SMP
#include <asm/lib_cpu.h>

/* This CPU's offset, one load away from the stack pointer. */
#define __my_cpu_offset		(lib_cpu_this()->percpu_offset)

/*
 * this_cpu_*() must be safe against interrupts and preemption.  Here no
 * interrupt arrives in the middle of a statement (only where the kernel
 * enables interrupts, halts or spins in cpu_relax), nothing preempts
 * (PREEMPT_NONE) and a task changes CPU only in schedule(): the plain
 * raw_cpu_*() forms already are, without the generic ones' interrupt
 * save and restore around each access.
 */
#define this_cpu_read_1(pcp)		READ_ONCE(*raw_cpu_ptr(&(pcp)))
#define this_cpu_read_2(pcp)		READ_ONCE(*raw_cpu_ptr(&(pcp)))
#define this_cpu_read_4(pcp)		READ_ONCE(*raw_cpu_ptr(&(pcp)))
#define this_cpu_read_8(pcp)		READ_ONCE(*raw_cpu_ptr(&(pcp)))
#define this_cpu_write_1(pcp, val)	raw_cpu_generic_to_op(pcp, val, =)
#define this_cpu_add_1(pcp, val)	raw_cpu_generic_to_op(pcp, val, +=)
#define this_cpu_and_1(pcp, val)	raw_cpu_generic_to_op(pcp, val, &=)
#define this_cpu_or_1(pcp, val)	raw_cpu_generic_to_op(pcp, val, |=)
#define this_cpu_add_return_1(pcp, val) raw_cpu_generic_add_return(pcp, val)
#define this_cpu_xchg_1(pcp, nval)	raw_cpu_generic_xchg(pcp, nval)
#define this_cpu_cmpxchg_1(pcp, oval, nval) \
	raw_cpu_generic_cmpxchg(pcp, oval, nval)
#define this_cpu_cmpxchg_double_1(pcp1, pcp2, oval1, oval2, nval1, nval2) \
	raw_cpu_generic_cmpxchg_double(pcp1, pcp2, oval1, oval2, nval1, nval2)
#define this_cpu_write_2(pcp, val)	raw_cpu_generic_to_op(pcp, val, =)
#define this_cpu_add_2(pcp, val)	raw_cpu_generic_to_op(pcp, val, +=)
#define this_cpu_and_2(pcp, val)	raw_cpu_generic_to_op(pcp, val, &=)
#define this_cpu_or_2(pcp, val)	raw_cpu_generic_to_op(pcp, val, |=)
#define this_cpu_add_return_2(pcp, val) raw_cpu_generic_add_return(pcp, val)
#define this_cpu_xchg_2(pcp, nval)	raw_cpu_generic_xchg(pcp, nval)
#define this_cpu_cmpxchg_2(pcp, oval, nval) \
	raw_cpu_generic_cmpxchg(pcp, oval, nval)
#define this_cpu_cmpxchg_double_2(pcp1, pcp2, oval1, oval2, nval1, nval2) \
	raw_cpu_generic_cmpxchg_double(pcp1, pcp2, oval1, oval2, nval1, nval2)
#define this_cpu_write_4(pcp, val)	raw_cpu_generic_to_op(pcp, val, =)
#define this_cpu_add_4(pcp, val)	raw_cpu_generic_to_op(pcp, val, +=)
#define this_cpu_and_4(pcp, val)	raw_cpu_generic_to_op(pcp, val, &=)
#define this_cpu_or_4(pcp, val)	raw_cpu_generic_to_op(pcp, val, |=)
#define this_cpu_add_return_4(pcp, val) raw_cpu_generic_add_return(pcp, val)
#define this_cpu_xchg_4(pcp, nval)	raw_cpu_generic_xchg(pcp, nval)
#define this_cpu_cmpxchg_4(pcp, oval, nval) \
	raw_cpu_generic_cmpxchg(pcp, oval, nval)
#define this_cpu_cmpxchg_double_4(pcp1, pcp2, oval1, oval2, nval1, nval2) \
	raw_cpu_generic_cmpxchg_double(pcp1, pcp2, oval1, oval2, nval1, nval2)
#define this_cpu_write_8(pcp, val)	raw_cpu_generic_to_op(pcp, val, =)
#define this_cpu_add_8(pcp, val)	raw_cpu_generic_to_op(pcp, val, +=)
#define this_cpu_and_8(pcp, val)	raw_cpu_generic_to_op(pcp, val, &=)
#define this_cpu_or_8(pcp, val)	raw_cpu_generic_to_op(pcp, val, |=)
#define this_cpu_add_return_8(pcp, val) raw_cpu_generic_add_return(pcp, val)
#define this_cpu_xchg_8(pcp, nval)	raw_cpu_generic_xchg(pcp, nval)
#define this_cpu_cmpxchg_8(pcp, oval, nval) \
	raw_cpu_generic_cmpxchg(pcp, oval, nval)
#define this_cpu_cmpxchg_double_8(pcp1, pcp2, oval1, oval2, nval1, nval2) \
	raw_cpu_generic_cmpxchg_double(pcp1, pcp2, oval1, oval2, nval1, nval2)
#endif

#include <asm-generic/percpu.h>

#endif
