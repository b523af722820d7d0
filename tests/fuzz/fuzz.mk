# SPDX-License-Identifier: GPL-2.0
#
# The fuzz harnesses (included by tests/Makefile.am).  Each harness,
# fuzz-NAME.c, is one LLVMFuzzerTestOneInput() over the project's own
# sources, built twice:
#   - fuzz/t-fuzz-NAME, with the project's compiler and replay.c's main():
#     every file of corpus/NAME/ once; run by `make check`;
#   - fuzz/fuzz-NAME, with $(FUZZ_CC) and libFuzzer (ASan, UBSan):
#     `make fuzz` runs each for $(FUZZ_SECONDS) seconds from its corpus.
# A crash found goes into corpus/NAME/ (named for what it was), once the
# source is fixed: `make check` replays it from then on.

FUZZ_SECONDS = 60
FUZZ_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir)/src -I$(top_srcdir)/src/tenant -I$(top_srcdir)/src/rpc \
	-I$(top_srcdir)/linux/include -I$(top_builddir)/linux/include \
	-I$(srcdir)/fuzz $(JANSSON_CFLAGS) $(MNL_CFLAGS)
# The config parser, and of the tenant layer only its checks (parse.c)
# and tenant_spec_free() (readback.c; its kernel side is tenant_double.c).
FUZZ_CONF_SRC = $(top_srcdir)/src/conf/conf.c $(top_srcdir)/src/conf/conf_tenant.c \
	$(top_srcdir)/src/conf/conf_listen.c $(top_srcdir)/src/tenant/parse.c \
	$(top_srcdir)/src/tenant/readback.c fuzz/tenant_double.c
# The RPC's checks and ops; the server's part of a call is rpc_double.c.
FUZZ_RPC_SRC = $(top_srcdir)/src/rpc/check.c $(top_srcdir)/src/rpc/ops.c \
	$(top_srcdir)/src/rpc/opts.c $(top_srcdir)/src/rpc/fileops.c \
	$(top_srcdir)/src/rpc/jobpolicy.c $(top_srcdir)/src/rpc/calllog.c \
	$(top_srcdir)/src/log/log.c fuzz/rpc_double.c fuzz/rpc_double.h
# The shared channel over the same checks and ops; the server's part is
# in the harness.
FUZZ_CHAN_SRC = $(top_srcdir)/src/rpc/chan.c $(FUZZ_RPC_SRC)
FUZZ_CONF_LIBS = $(JANSSON_LIBS)
FUZZ_RPC_LIBS = $(EV_LIBS)

check_PROGRAMS += fuzz/t-fuzz-conf fuzz/t-fuzz-api fuzz/t-fuzz-rpc fuzz/t-fuzz-chan
FUZZ_CHECK_CFLAGS = $(WARN_CFLAGS) $(SAN_CFLAGS)
fuzz_t_fuzz_conf_CFLAGS = $(FUZZ_CHECK_CFLAGS)
fuzz_t_fuzz_api_CFLAGS = $(FUZZ_CHECK_CFLAGS)
fuzz_t_fuzz_rpc_CFLAGS = $(FUZZ_CHECK_CFLAGS)
fuzz_t_fuzz_chan_CFLAGS = $(FUZZ_CHECK_CFLAGS)
fuzz_t_fuzz_conf_SOURCES = fuzz/replay.c fuzz/fuzz-conf.c $(FUZZ_CONF_SRC)
fuzz_t_fuzz_conf_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DCORPUS_DIRS='"$(abs_srcdir)/fuzz/corpus/conf", "$(abs_srcdir)/conf"'
fuzz_t_fuzz_conf_LDADD = $(FUZZ_CONF_LIBS)
fuzz_t_fuzz_api_SOURCES = fuzz/replay.c fuzz/fuzz-api.c $(FUZZ_CONF_SRC)
fuzz_t_fuzz_api_CPPFLAGS = $(FUZZ_CPPFLAGS) -DCORPUS_DIRS='"$(abs_srcdir)/fuzz/corpus/api"'
fuzz_t_fuzz_api_LDADD = $(FUZZ_CONF_LIBS)
fuzz_t_fuzz_rpc_SOURCES = fuzz/replay.c fuzz/fuzz-rpc.c $(FUZZ_RPC_SRC)
fuzz_t_fuzz_rpc_CPPFLAGS = $(FUZZ_CPPFLAGS) -DCORPUS_DIRS='"$(abs_srcdir)/fuzz/corpus/rpc"'
fuzz_t_fuzz_rpc_LDADD = $(FUZZ_RPC_LIBS)
fuzz_t_fuzz_chan_SOURCES = fuzz/replay.c fuzz/fuzz-chan.c $(FUZZ_CHAN_SRC)
fuzz_t_fuzz_chan_CPPFLAGS = $(FUZZ_CPPFLAGS) -DCORPUS_DIRS='"$(abs_srcdir)/fuzz/corpus/chan"'
fuzz_t_fuzz_chan_LDADD = $(FUZZ_RPC_LIBS)

EXTRA_DIST += fuzz/corpus fuzz/README.md fuzz/json.dict fuzz/rpc-seeds.py

FUZZ_BUILD = $(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer $(FUZZ_CPPFLAGS)
# ($^: the sources where VPATH found them, for a build outside the tree)
fuzz/fuzz-conf: fuzz/fuzz-conf.c $(FUZZ_CONF_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_BUILD) -o $@ $(filter %.c,$^) $(FUZZ_CONF_LIBS)
fuzz/fuzz-api: fuzz/fuzz-api.c $(FUZZ_CONF_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_BUILD) -o $@ $(filter %.c,$^) $(FUZZ_CONF_LIBS)
fuzz/fuzz-rpc: fuzz/fuzz-rpc.c $(FUZZ_RPC_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_BUILD) -o $@ $(filter %.c,$^) $(FUZZ_RPC_LIBS)
fuzz/fuzz-chan: fuzz/fuzz-chan.c $(FUZZ_CHAN_SRC)
	@$(MKDIR_P) fuzz
	$(AM_V_CC)$(FUZZ_BUILD) -o $@ $(filter %.c,$^) $(FUZZ_RPC_LIBS)

# Each harness for $(FUZZ_SECONDS) s, new inputs kept in fuzz/work/NAME
# (the seeds in the source tree are only read); its executions printed.
.PHONY: fuzz fuzz-cc
fuzz-cc:
	@if test "x$(FUZZ_OK)" != xyes; then \
		echo "make fuzz: '$(FUZZ_CC)' cannot build libFuzzer harnesses" \
		     "(-fsanitize=fuzzer,address,undefined): install clang and its runtime" \
		     "(Debian: clang libclang-rt-dev; scripts/install-deps does)," \
		     "or give ./configure FUZZ_CC=a-clang" >&2; \
		exit 1; \
	fi
fuzz: fuzz-cc
	@$(MAKE) $(AM_MAKEFLAGS) fuzz/fuzz-conf fuzz/fuzz-api fuzz/fuzz-rpc fuzz/fuzz-chan
	@failed=0; for h in conf api rpc chan; do \
		mkdir -p fuzz/work/$$h; \
		seeds="$(srcdir)/fuzz/corpus/$$h"; dict=; \
		test $$h = conf && seeds="$$seeds $(srcdir)/conf"; \
		test $$h = rpc || test $$h = chan || dict=-dict=$(srcdir)/fuzz/json.dict; \
		./fuzz/fuzz-$$h -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-max_len=16384 -timeout=10 -rss_limit_mb=1024 $$dict \
			-artifact_prefix=fuzz/work/$$h- fuzz/work/$$h $$seeds \
			> fuzz/work/$$h.log 2>&1; \
		rc=$$?; \
		execs=`sed -n 's/^stat::number_of_executed_units: *//p' fuzz/work/$$h.log`; \
		if test $$rc = 0; then \
			echo "fuzz-$$h: $${execs:-?} executions in $(FUZZ_SECONDS) s, nothing found"; \
		else \
			echo "fuzz-$$h: FOUND something after $${execs:-?} executions" \
			     "(fuzz/work/$$h.log, fuzz/work/$$h-*):"; \
			grep -E '^(==[0-9]+==|SUMMARY|fuzz-|rpc_double)' fuzz/work/$$h.log | head -20; \
			failed=1; \
		fi; \
	done; exit $$failed

clean-local: clean-fuzz
clean-fuzz:
	rm -rf fuzz/work fuzz/fuzz-conf fuzz/fuzz-api fuzz/fuzz-rpc fuzz/fuzz-chan
.PHONY: clean-fuzz
