-- Task updates as a district officer makes them: the full form with its CSRF token, a one-time
-- submission token, the version the form was drawn with, and a note. Each thread walks its own
-- slice of the task list, so no two requests race for one task; a 303 means the update was
-- recorded, and the task's next version is then expected.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local tasks = {}
  for line in io.lines(os.getenv("BENCH_TASKS")) do
    local id, version = line:match("(%d+),(%d+)")
    table.insert(tasks, { id = id, version = tonumber(version) })
  end
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  mine = {}
  for i, task in ipairs(tasks) do
    if i % nthreads == id - 1 then
      table.insert(mine, task)
    end
  end
  next_index = 0
  by_id = {}
  for _, task in ipairs(mine) do by_id[task.id] = task end
  sent = 0
  recorded = 0
  csrf = os.getenv("BENCH_CSRF")
  cookie = os.getenv("BENCH_COOKIE")
end

function request()
  next_index = next_index % #mine + 1
  local task = mine[next_index]
  sent = sent + 1
  local body = "csrf=" .. csrf .. "&status=in_progress&version=" .. task.version ..
    "&note=bench+" .. sent .. "&submission=bench-" .. id .. "-" .. sent .. "-" .. os.time()
  return wrk.format("POST", "/tasks/" .. task.id, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["Origin"] = os.getenv("BENCH_ORIGIN"),
  }, body)
end

function response(status, headers, body)
  if status == 303 then
    recorded = recorded + 1
    local task_id = (headers["Location"] or headers["location"] or ""):match("/tasks/(%d+)")
    if task_id and by_id[task_id] then
      by_id[task_id].version = by_id[task_id].version + 1
    end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("recorded")
  end
  io.write(string.format("RECORDED %d\n", total))
end
