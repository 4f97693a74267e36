-- wrk script: an enterprise reads its schedule. Environment: TOKEN (its bearer token).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.path = "/visits?limit=50"
