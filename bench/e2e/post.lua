-- wrk: POSTs the bench message to /checkv2 and counts replies that are not 200 or lack one of the four symbols
-- (quoted names, so HTTP_GET_ERROR does not pass for HTTP_GET), so a broken server cannot look fast.
local f = assert(io.open(os.getenv("BENCH_MSG"), "rb"))
local msg = f:read("*a")
f:close()
wrk.method = "POST"
wrk.body = msg
wrk.headers["X-Lookup"] = "bench.test"
wrk.headers["IP"] = "192.0.2.10"
wrk.headers["From"] = "sender@example.com"

-- every request asks a name of its own (the peer answers *.bench.test), as different messages do: a server
-- that shares identical questions in flight gets no advantage from a load that repeats one name
local counter = 0
function request()
  counter = counter + 1
  wrk.headers["X-Lookup"] = "m" .. counter .. ".bench.test"
  return wrk.format()
end

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end

local names = { '"HTTP_GET"', '"DNS_A"', '"TCP_PING"', '"REDIS_PIPE"' }
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1; return end
  for _, n in ipairs(names) do
    if not string.find(body, n, 1, true) then bad = bad + 1; return end
  end
end

function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  io.write(string.format("CORAX-BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d bad=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), b,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status))
end
