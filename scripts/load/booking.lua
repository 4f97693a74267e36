-- wrk script: books inspection requests for random enterprises in a random window.
-- Environment: TOKEN (an agency's bearer token), IDS (a file of enterprise ids, one a
-- line), EARLIEST and LATEST (the span windows are drawn from, YYYY-MM-DD).
local token = os.getenv("TOKEN")
local earliest = os.getenv("EARLIEST")
local latest = os.getenv("LATEST")
local ids = {}
for line in io.lines(os.getenv("IDS")) do
  ids[#ids + 1] = line
end

local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. token,
}

request = function()
  local body = string.format(
    '{"enterprise_id":"%s","earliest":"%s","latest":"%s","team_size":%d,"kind":"routine"}',
    ids[math.random(#ids)], earliest, latest, math.random(2))
  return wrk.format("POST", "/requests", headers, body)
end

response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
