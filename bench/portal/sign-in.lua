-- wrk script: guest sign-ins (POST to the URL given to wrk, i.e. /api/v1/session), taking turns among
-- several guests. GP_SIGN_INS holds one JSON body per line ({"username": ..., "password": ...}).
local bodies = {}
for line in string.gmatch(os.getenv("GP_SIGN_INS") or "", "[^\n]+") do
  bodies[#bodies + 1] = line
end
if #bodies == 0 then
  error("GP_SIGN_INS must hold one JSON sign-in body per line")
end

local requests = {}
local turn = 0

function init(args)
  for i, body in ipairs(bodies) do
    requests[i] = wrk.format("POST", nil,
      { ["Host"] = wrk.headers["Host"], ["Content-Type"] = "application/json" }, body)
  end
end

function request()
  turn = turn % #requests + 1
  return requests[turn]
end
