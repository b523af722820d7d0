cmd_arch/lib/built-in.a := rm -f arch/lib/built-in.a;  ar cDPrST arch/lib/built-in.a
