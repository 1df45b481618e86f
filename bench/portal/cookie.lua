-- wrk script: every request carries the portal session cookie from the GP_COOKIE environment variable.
local cookie = os.getenv("GP_COOKIE")
if cookie == nil or cookie == "" then
  error("GP_COOKIE must hold a gp_session value")
end
wrk.headers["Cookie"] = "gp_session=" .. cookie
