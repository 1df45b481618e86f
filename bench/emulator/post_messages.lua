-- wrk script: POST /v1/messages with JSON text messages to one room.
-- Environment: ROOM_ID (the room) and TOKEN (a member's bearer token).
local room_id = os.getenv("ROOM_ID")
local token = os.getenv("TOKEN")
local counter = 0
local thread_tag = tostring(math.random(1, 1000000))

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

function request()
  counter = counter + 1
  local body = '{"roomId":"' .. room_id .. '","text":"benchmark message ' .. thread_tag .. '-' .. counter .. '"}'
  return wrk.format(nil, "/v1/messages", nil, body)
end
