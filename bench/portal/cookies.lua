-- wrk script: requests take turns among several signed-in guests, one session cookie each, from the
-- GP_COOKIES environment variable (gp_session values separated by spaces). Each guest's request is
-- formatted once, in init, so wrk's thread does no more work per request than with cookie.lua.
local cookies = {}
for value in string.gmatch(os.getenv("GP_COOKIES") or "", "%S+") do
  cookies[#cookies + 1] = value
end
if #cookies == 0 then
  error("GP_COOKIES must hold gp_session values separated by spaces")
end

local requests = {}
local turn = 0

function init(args)
  for i, value in ipairs(cookies) do
    requests[i] = wrk.format(nil, nil, { ["Host"] = wrk.headers["Host"], ["Cookie"] = "gp_session=" .. value })
  end
end

function request()
  turn = turn % #requests + 1
  return requests[turn]
end
