-- wrk: GETs of a path list (BENCH_PATHS) with a session token list (BENCH_TOKENS), both used
-- round-robin, each thread starting elsewhere in them.
local paths, tokens = {}, {}
for l in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = l end
for l in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = l end
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) n = (tid or 0) * 7919 end
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1] .. "&SessionToken=" .. tokens[(n % #tokens) + 1])
end
