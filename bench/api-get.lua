-- SPDX-License-Identifier: GPL-2.0
-- wrk script for bench-api.sh: GET BENCH_PREFIX0000 .. BENCH_PREFIX(N-1)
-- in turn (each thread from its own starting point) when BENCH_COUNT=N is
-- set, else the URL's path as given.  Prints one line wrk's caller parses:
--   result RPS P50_MS P99_MS MAX_MS REQUESTS NON2XX SOCKET_ERRORS
local prefix = os.getenv("BENCH_PREFIX") or "t"
local count = tonumber(os.getenv("BENCH_COUNT") or "0")
local threads = 0
local i = 0

function setup(thread)
	thread:set("start", threads * 997)
	threads = threads + 1
end

function init(args)
	i = start or 0
end

function request()
	if count == 0 then
		return wrk.request()
	end
	i = (i + 1) % count
	return wrk.format("GET", string.format("/tenants/%s%04d", prefix, i))
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("result %.0f %.3f %.3f %.3f %d %d %d\n",
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		latency.max / 1000, summary.requests, e.status,
		e.connect + e.read + e.write + e.timeout))
end
