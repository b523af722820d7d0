#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# src/api/openapi.json is a valid OpenAPI 3.1 document (a real validator:
# tests/openapi/check.mjs, installed by scripts/install-deps), and both
# that validator and t-openapi, the check against routes.def, refuse
# copies of it that are broken or have drifted: neither check is a no-op.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
DOC=$top_srcdir/src/api/openapi.json
CHECK=$top_srcdir/tests/openapi/check.mjs
DRIFT=$top_builddir/tests/unit/t-openapi
WORK=$(mktemp -d /tmp/nuse-openapi.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
pass() { echo "ok: $*"; }

command -v node >/dev/null || { echo "FAIL: no node (run scripts/install-deps)"; exit 1; }
[ -x "$DRIFT" ] || { echo "FAIL: $DRIFT not built"; exit 1; }

if node "$CHECK" doc "$DOC"; then
	pass "the document is valid OpenAPI 3.1"
else
	fail "the document is not valid"
fi
"$DRIFT" "$DOC" && pass "the document matches routes.def" || fail "the document and routes.def differ"

# (OpenAPI 3.1 lets an operation leave out its responses: t-openapi does not.)
# broken NAME PYTHON: a copy of the document, changed by PYTHON (d is it)
broken() {
	python3 - "$DOC" "$WORK/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
}
broken no-responses 'del d["paths"]["/healthz"]["get"]["responses"]'
broken bad-in 'd["components"]["parameters"]["Family"]["in"] = "body"'
broken bad-type 'd["components"]["schemas"]["Mac"]["type"] = "strin"'
broken dangling-ref 'd["paths"]["/version"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Nope"}'
broken bad-keyword 'd["components"]["schemas"]["Vnic"]["properties"]["mtu"]["maximun"] = 9000'
for c in bad-in bad-type dangling-ref bad-keyword; do
	if node "$CHECK" doc "$WORK/$c.json" 2>"$WORK/$c.err"; then
		fail "the validator took a copy with $c"
	else
		pass "the validator refuses $c: $(head -c 160 "$WORK/$c.err")"
	fi
done

broken extra-op 'd["paths"]["/tenants/{name}/vnics/{vnic}"]["patch"] = d["paths"]["/tenants/{name}/vnics/{vnic}"]["get"]'
broken missing-op 'del d["paths"]["/tenants/{name}/stats"]'
broken missing-param 'd["paths"]["/tenants/{name}/routes/{dst}"]["parameters"].pop()'
broken no-success 'del d["paths"]["/metrics"]["get"]["responses"]["200"]'
for c in extra-op missing-op missing-param no-responses no-success dangling-ref; do
	if "$DRIFT" "$WORK/$c.json" >"$WORK/$c.out"; then
		fail "t-openapi took a copy with $c"
	else
		pass "t-openapi refuses $c: $(grep -m1 FAIL "$WORK/$c.out")"
	fi
done
exit $FAILED
