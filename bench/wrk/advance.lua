-- "Guardar y avanzar flujo" on a stream of distinct releases: each held by ana in execution
-- at version 1 (BENCH_ADVANCE_IDS, one per line), each advanced once. The wrk threads
-- take turns through the list; once it runs out, requests are refused and not counted.
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end
function init(args)
  ids = {}
  for line in io.lines(os.getenv("BENCH_ADVANCE_IDS")) do
    ids[#ids + 1] = line
  end
  stride = tonumber(os.getenv("BENCH_THREADS"))
  position = first + 1
end
function request()
  local id = ids[position] or "0"
  position = position + stride
  local body = '{"id":' .. id .. ',"version":1,"decision":null,"closure":{"outcome":"resolved",'
    .. '"solution_category":' .. os.getenv("BENCH_CATEGORY") .. ',"useful_information":"Desplegado y validado."}}'
  return wrk.format("POST", "/api/advance_release", {
    ["Content-Type"] = "application/json", ["Cookie"] = os.getenv("BENCH_COOKIE"),
  }, body)
end
