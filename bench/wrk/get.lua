-- A GET of the URL given to wrk, with the session cookie in BENCH_COOKIE (if any).
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
