-- wrk script of the benchmark: rotates through the request paths of a file (one a line, the
-- file named by the first argument after --), each thread from its own offset, and prints
-- one JSON line at the end: requests/s, p50/p99 latency (ms), non-2xx responses (and of them
-- the 429s and 5xx) and socket errors.
--   wrk -t2 -c16 -d10s -s report.lua http://127.0.0.1:PORT -- paths.txt [extra header]

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  index = (thread_number - 1) * 7919 % #paths
  non2xx = 0
  too_many = 0
  server_errors = 0
  responses = 0
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if status == 429 then too_many = too_many + 1 end
  if status >= 500 then server_errors = server_errors + 1 end
end

function done(summary, latency, requests)
  local bad, total, s429, s5xx = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    s429 = s429 + thread:get("too_many")
    s5xx = s5xx + thread:get("server_errors")
    total = total + thread:get("responses")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "responses": %d, "duration_s": %.3f, "rps": %.2f, "p50_ms": %.3f, ' ..
    '"p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "non2xx": %d, "status_429": %d, "status_5xx": %d, ' ..
    '"bytes": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, total, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, bad, s429, s5xx, summary.bytes,
    e.connect, e.read, e.write, e.timeout))
end
