#include <asm-generic/vmlinux.lds.h>
