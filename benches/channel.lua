-- wrk: customers opening chats through the channel API (notifyUserNewChatMessage), each request a
-- new session. Environment: BENCH_API_KEY and BENCH_ACCOUNT (the channel's apiKey and
-- chatAccountToken), BENCH_SESSIONS (a prefix that makes this run's session ids new).
local key, account, sessions = os.getenv("BENCH_API_KEY"), os.getenv("BENCH_ACCOUNT"), os.getenv("BENCH_SESSIONS")
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) n = 0 end
request = function()
  n = n + 1
  local body = string.format('{"chatServer":"chat.example.com","chatSessionID":"%s-%d-%08d","chatAccountToken":"%s","customerName":"Bench Customer %d","message":"Hello, I need help with order %d"}', sessions, tid, n, account, n, n)
  return wrk.format("POST", "/api/v2/chat/notifyUserNewChatMessage", {["apiKey"]=key, ["Content-Type"]="application/json"}, body)
end
