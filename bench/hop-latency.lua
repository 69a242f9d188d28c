-- hop-latency.lua: the reference session of FLOW.md, like ussd-flow.lua, with the mean latency
-- of each hop (1..6) kept apart, to see where a session's time goes (e.g. the confirmation's
-- durable commit against the menu hops).
--   wrk -t N -c N -d 10s -s bench/hop-latency.lua http://127.0.0.1:PORT/ussd/africastalking
-- One connection per thread, so that a thread's hops go out in order.
-- LAST_HOP=5 in the environment starts a new session after hop 5 instead of confirming: the
-- menus alone, without the durable order, under the same load; its sessions stay open until
-- they idle out. CANCEL=1 answers the summary with 3 (Batal) instead: the same six hops, the
-- last one END, without an order.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } pesan_timespec;
  int clock_gettime(int clk, pesan_timespec* ts);
]]
local ts = ffi.new("pesan_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local threads = {}
local run_tag = os.time()
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
  thread:set("run", run_tag)
end

local function enc(s)
  return (s:gsub("[^%w%-%._%*~ ]", function(c) return string.format("%%%02X", c:byte()) end)
           :gsub(" ", "+"))
end
local texts = { "", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02", "1*1*2*Jl Mawar 3 RT02*1" }
if os.getenv("CANCEL") == "1" then texts[6] = "1*1*2*Jl Mawar 3 RT02*3" end
for i, t in ipairs(texts) do texts[i] = enc(t) end

hop, seq, bad = 1, 1, 0
last_hop = tonumber(os.getenv("LAST_HOP") or "6")
sum = { 0, 0, 0, 0, 0, 0 }   -- microseconds per hop
count = { 0, 0, 0, 0, 0, 0 }
hist = {}                    -- [hop * 1000 + bucket] = answers; buckets of 0.1 ms, the last 99.9+
local prefix, sent

local function new_session()
  prefix = "sessionId=LAT_" .. run .. "_" .. tid .. "_" .. seq .. "&serviceCode=" .. enc("*123#")
        .. "&phoneNumber=" .. enc(string.format("+62815%02d%08d", tid % 100, (run * 10000 + seq) % 100000000))
        .. "&networkCode=51010&text="
end

function init(args)
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  new_session()
end

function request()
  sent = now_us()
  return wrk.format("POST", "/ussd/africastalking", nil, prefix .. texts[hop])
end

function response(status, headers, body)
  local took = now_us() - sent
  sum[hop] = sum[hop] + took
  count[hop] = count[hop] + 1
  local k = hop * 1000 + math.min(math.floor(took / 100), 999)
  hist[k] = (hist[k] or 0) + 1
  local kind = body:sub(1, 4)
  local ok = status == 200 and ((kind == "CON " and hop < 6) or (kind == "END " and hop == 6))
  if ok and hop < last_hop then
    hop = hop + 1
  else
    if not ok then bad = bad + 1 end
    hop, seq = 1, seq + 1
    new_session()
  end
end

function done(summary, latency, requests)
  local s, n = { 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0 }
  local h = {}
  local b = 0
  for _, t in ipairs(threads) do
    local ts_, tc = t:get("sum"), t:get("count")
    for i = 1, 6 do s[i] = s[i] + ts_[i]; n[i] = n[i] + tc[i] end
    for k, v in pairs(t:get("hist")) do h[k] = (h[k] or 0) + v end
    b = b + t:get("bad")
  end
  local line = "hop-latency: mean ms per hop:"
  for i = 1, 6 do line = line .. string.format("  %d: %.2f", i, n[i] > 0 and s[i] / n[i] / 1000 or 0) end
  io.write(line .. string.format("   (unexpected %d)\n", b))
  -- The 99th percentile of each hop, from the 0.1 ms buckets (upper edge of the bucket).
  line = "hop-latency: p99 ms per hop: "
  for i = 1, 6 do
    local want, seen, p99 = n[i] * 0.99, 0, 0
    for bucket = 0, 999 do
      seen = seen + (h[i * 1000 + bucket] or 0)
      if seen >= want then p99 = (bucket + 1) / 10; break end
    end
    line = line .. string.format("  %d: %.1f", i, n[i] > 0 and p99 or 0)
  end
  io.write(line .. "\n")
end
