-- Form POSTs: each request is a distinct, valid submission prepared by
-- bench/run.py (for the request form: a fresh form token; for a hold: a distinct
-- free start; a CSRF token and a client address per line of the bodies file).
-- Acknowledged submissions (302) are recorded by their session cookie (holds)
-- or confirmation cookie (requests), which bench/verify_posts.py follows to the
-- stored row.
-- Args: bodies file, thread count, path posted to, file for the acknowledged
-- sessions (in the working directory).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_index", counter)
  table.insert(threads, thread)
end

local requests = {}
local next_request = 1
local filler = nil
acked = {}
statuses = {}
exhausted = 0

function init(args)
  local bodies, thread_count = args[1], tonumber(args[2])
  local path = args[3]
  -- A global, so done() (in wrk's main state) can read it from a thread.
  acked_file = args[4]
  local headers_base = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = "https://" .. wrk.host .. ":" .. wrk.port,
    ["Referer"] = "https://" .. wrk.host .. ":" .. wrk.port .. path,
  }
  local n = 0
  for line in io.lines(bodies) do
    n = n + 1
    -- Threads take every thread_count-th line, so no two share a submission.
    if (n - 1) % thread_count == thread_index - 1 then
      local cookie, forwarded, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      -- wrk.format replaces wrk.headers (Host, -H X-Forwarded-Proto) when given
      -- headers, so start from a copy of them.
      local headers = {}
      for k, v in pairs(wrk.headers) do headers[k] = v end
      for k, v in pairs(headers_base) do headers[k] = v end
      headers["Cookie"] = cookie
      headers["X-Forwarded-For"] = forwarded
      table.insert(requests, wrk.format("POST", path, headers, body))
    end
  end
  filler = wrk.format("GET", "/healthz")
end

function request()
  local r = requests[next_request]
  if r == nil then
    -- Out of prepared submissions: never replay one; stop this thread.
    exhausted = 1
    wrk.thread:stop()
    return filler
  end
  next_request = next_request + 1
  return r
end

function response(status, headers, body)
  local kind = headers["Content-Type"] or ""
  if kind:find("application/json", 1, true) then
    return -- a filler request, not a submission
  end
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  if status == 302 then
    local cookie = headers["Set-Cookie"] or ""
    -- A hold's session, or the request form's signed confirmation cookie.
    local session = cookie:match("sessionid=([^;]+)") or cookie:match("booking_done=([^;]+)")
    if session then table.insert(acked, session) end
  end
end

function done(summary, latency, requests_stats)
  local out = io.open(threads[1]:get("acked_file"), "w")
  local merged = {}
  local was_exhausted = 0
  for _, thread in ipairs(threads) do
    for _, session in ipairs(thread:get("acked")) do out:write(session, "\n") end
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
    if thread:get("exhausted") == 1 then was_exhausted = 1 end
  end
  out:close()
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%s":%d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,'
      .. '"p90_us":%d,"p99_us":%d,"max_us":%d,"errors_connect":%d,'
      .. '"errors_read":%d,"errors_write":%d,"errors_status":%d,'
      .. '"errors_timeout":%d,"statuses":{%s},"exhausted":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","),
    was_exhausted))
end
