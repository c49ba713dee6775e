# The workers of the sidekiq processes the interop tests start (sidekiq -r workers.rb). Each run
# is recorded by an RPUSH to the list interop:ran (under the test's prefix), which the Java test
# reads: {"side":"ruby","class":...,"jid":...,"args":[...]}. Errand's workers in the same tests
# record theirs in the same list with "side":"errand".
require_relative "config"

module Interop
  def self.record(worker, args)
    entry = JSON.generate("side" => "ruby", "class" => worker.class.name, "jid" => worker.jid, "args" => args)
    Sidekiq.redis { |c| c.rpush("interop:ran", entry) }
  end
end

# Worked only by Sidekiq. Two required positional args: a job with any other number of args
# fails with ArgumentError and lands in the retry set, where the tests would see it.
class RecordRun
  include Sidekiq::Worker

  def perform(n, label)
    Interop.record(self, [n, label])
  end
end

# Worked by Sidekiq and by Errand alike (kind "SharedRun" on the Java side).
class SharedRun
  include Sidekiq::Worker

  def perform(n, label)
    Interop.record(self, [n, label])
  end
end
