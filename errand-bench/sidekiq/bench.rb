# Sidekiq 6.4 measured as ./bench measures Errand (run through ./bench-sidekiq), printing the same JSON lines:
#   {"store":"sidekiq","metric":"burndown_jobs_per_s","value":...}
# burn-down: JOBS no-op jobs pushed with push_bulk, then one `sidekiq -c CONCURRENCY` process; from
#   the first perform to the last (the process's boot is not counted)
# bulk enqueue: JOBS jobs with Sidekiq::Client.push_bulk, BATCH per call
# pickup: an idle process, one job pushed at a time, until its perform starts; SAMPLES samples
# after 10 uncounted ones
# Uses (and flushes) the Redis database of REDIS_URL: give it one of its own.
require "tmpdir"
require "sidekiq/api"

url = ENV.fetch("REDIS_URL", "redis://127.0.0.1:6379/5")
ENV["BENCH_REDIS_URL"] = url
require_relative "worker"
jobs = Integer(ENV.fetch("JOBS", "100000"))
batch = Integer(ENV.fetch("BATCH", "1000"))
concurrency = Integer(ENV.fetch("CONCURRENCY", "10"))
samples = Integer(ENV.fetch("SAMPLES", "300"))
Sidekiq.configure_client { |c| c.redis = { url: url } }

def clock = Process.clock_gettime(Process::CLOCK_MONOTONIC)
def realtime = Process.clock_gettime(Process::CLOCK_REALTIME)
def flush = Sidekiq.redis(&:flushdb)
def report(metric, value) = puts(JSON.generate(store: "sidekiq", metric: metric, value: value.round(3)))

def push_all(jobs, batch)
  (0...jobs).each_slice(batch) { |slice| Sidekiq::Client.push_bulk("class" => "NoOp", "args" => slice.map { |n| [n] }) }
end

# One sidekiq process working queue "default"; stopped (TERM) when the block returns.
def with_sidekiq(concurrency, env)
  log = File.join(Dir.tmpdir, "errand-bench-sidekiq.log")
  pid = Process.spawn(ENV.to_h.merge(env), "sidekiq", "-r", File.expand_path("worker.rb", __dir__),
                      "-q", "default", "-c", concurrency.to_s, out: File::NULL, err: [log, "a"])
  yield
ensure
  Process.kill("TERM", pid)
  Process.wait(pid)
end

def wait_until(seconds, what)
  deadline = clock + seconds
  sleep 0.005 until yield || clock > deadline
  raise "#{what} did not happen within #{seconds} s" unless yield
end

flush
started = clock
push_all(jobs, batch)
report("bulk_enqueue_jobs_per_s", jobs / (clock - started))

done = File.join(Dir.tmpdir, "errand-bench-sidekiq-#{$$}.json")
File.delete(done) if File.exist?(done)
with_sidekiq(concurrency, "BENCH_JOBS" => jobs.to_s, "BENCH_DONE" => done) do
  wait_until(600, "the burn-down") { File.exist?(done) }
end
times = JSON.parse(File.read(done))
File.delete(done)
report("burndown_jobs_per_s", jobs / (times["last"] - times["first"]))

flush
latencies = []
with_sidekiq(concurrency, {}) do
  wait_until(60, "a sidekiq process") { Sidekiq::ProcessSet.new.size.positive? }
  (samples + 10).times do |n|
    pushed = realtime
    Sidekiq::Client.push("class" => "Pickup", "args" => [n])
    _key, value = Sidekiq.redis { |r| r.brpop("bench:pickup", timeout: 10) }
    raise "job #{n} was not picked up within 10 s" unless value
    seen, at = JSON.parse(value)
    raise "picked up #{seen}, expected #{n}" unless seen == n
    latencies << (at - pushed) * 1000 if n >= 10
  end
end
latencies.sort!
percentile = ->(p) { latencies[[(p * latencies.size).ceil - 1, 0].max] }
report("pickup_p50_ms", percentile.(0.50))
report("pickup_p99_ms", percentile.(0.99))
flush
