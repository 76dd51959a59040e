-- Used for every GET page: wrk's own summary has no machine-readable form, so
-- done() prints one JSON line that bench/run.py parses.
-- A path ending in "cold=" gets a distinct value on every request, so none is
-- served from a cache and the whole page is computed each time (the same
-- query, so the same work): "cold search".
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

-- Defined only then: with no request() wrk sends its one prepared request,
-- the cheapest client for every other page and the ceiling.
if wrk.path:sub(-5) == "cold=" then
  local counter = 0
  function request()
    counter = counter + 1
    return wrk.format(nil, wrk.path .. thread_id .. "-" .. counter)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,'
      .. '"p90_us":%d,"p99_us":%d,"max_us":%d,"errors_connect":%d,'
      .. '"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
