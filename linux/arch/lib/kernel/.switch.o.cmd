cmd_arch/lib/kernel/switch.o := ccache gcc -Wp,-MMD,arch/lib/kernel/.switch.o.d -nostdinc -I./arch/lib/include -I./arch/lib/include/generated  -I./include -I./arch/lib/include/uapi -I./arch/lib/include/generated/uapi -I./include/uapi -I./include/generated/uapi -include ./include/linux/compiler-version.h -include ./include/linux/kconfig.h -D__KERNEL__ -fmacro-prefix-map=./= -D__ASSEMBLY__ -fno-PIE -fPIE -m64    -c -o arch/lib/kernel/switch.o arch/lib/kernel/switch.S 

source_arch/lib/kernel/switch.o := arch/lib/kernel/switch.S

deps_arch/lib/kernel/switch.o := \
  include/linux/compiler-version.h \
    $(wildcard include/config/CC_VERSION_TEXT) \
  include/linux/kconfig.h \
    $(wildcard include/config/CPU_BIG_ENDIAN) \
    $(wildcard include/config/BOOGER) \
    $(wildcard include/config/FOO) \
  include/linux/linkage.h \
    $(wildcard include/config/ARCH_USE_SYM_ANNOTATIONS) \
  include/linux/compiler_types.h \
    $(wildcard include/config/DEBUG_INFO_BTF) \
    $(wildcard include/config/PAHOLE_HAS_BTF_TAG) \
    $(wildcard include/config/HAVE_ARCH_COMPILER_H) \
    $(wildcard include/config/CC_HAS_ASM_INLINE) \
  include/linux/stringify.h \
  include/linux/export.h \
    $(wildcard include/config/MODVERSIONS) \
    $(wildcard include/config/HAVE_ARCH_PREL32_RELOCATIONS) \
    $(wildcard include/config/MODULES) \
    $(wildcard include/config/TRIM_UNUSED_KSYMS) \
  arch/lib/include/generated/asm/linkage.h \
  include/asm-generic/linkage.h \

arch/lib/kernel/switch.o: $(deps_arch/lib/kernel/switch.o)

$(deps_arch/lib/kernel/switch.o):
