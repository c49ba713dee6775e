# The no-op Sidekiq workers behind ./bench-sidekiq: NoOp counts what it performed and, at the last of
# BENCH_JOBS, writes when the first and the last started to BENCH_DONE; Pickup records when each
# perform starts, for the pickup latency.
require "sidekiq"
require "json"

Sidekiq.configure_server do |c|
  c.redis = { url: ENV.fetch("BENCH_REDIS_URL") }
  # Errand's benchmark logs nothing per job; Sidekiq logs each job's start and end at INFO.
  c.logger.level = Logger::WARN
end
Sidekiq.configure_client { |c| c.redis = { url: ENV.fetch("BENCH_REDIS_URL") } }

class NoOp
  include Sidekiq::Worker
  LOCK = Mutex.new
  JOBS = Integer(ENV.fetch("BENCH_JOBS", "0"))
  DONE = ENV["BENCH_DONE"]
  @performed = 0
  @first = nil

  class << self
    attr_accessor :performed, :first
  end

  def perform(_n)
    now = Process.clock_gettime(Process::CLOCK_REALTIME)
    done = LOCK.synchronize do
      NoOp.first ||= now
      NoOp.performed += 1
      NoOp.performed == JOBS
    end
    return unless done

    # Whole or not at all: the benchmark reads it as soon as it exists.
    File.write("#{DONE}.tmp", JSON.generate(first: NoOp.first, last: now))
    File.rename("#{DONE}.tmp", DONE)
  end
end

class Pickup
  include Sidekiq::Worker

  def perform(n)
    now = Process.clock_gettime(Process::CLOCK_REALTIME)
    Sidekiq.redis { |r| r.rpush("bench:pickup", JSON.generate([n, now])) }
  end
end
