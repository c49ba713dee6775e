# Loaded by every Ruby snippet the interop tests run (ruby -r config.rb -e ...) and by the
# workers file of the sidekiq processes they start. Points Sidekiq at the test's Redis (REDIS_URL)
# under the test's key prefix (SIDEKIQ_NAMESPACE, through the redis-namespace gem), which is where
# Errand's RedisStore.builder(url).prefix(p) keeps the same keys.
require "json"
require "sidekiq"
require "sidekiq/api"
require "redis/namespace"

INTEROP_REDIS = { url: ENV.fetch("REDIS_URL") }.freeze
INTEROP_NAMESPACE = ENV.fetch("SIDEKIQ_NAMESPACE", "")
redis_options = INTEROP_NAMESPACE.empty? ? INTEROP_REDIS : INTEROP_REDIS.merge(namespace: INTEROP_NAMESPACE)

Sidekiq.configure_client { |c| c.redis = redis_options }
Sidekiq.configure_server do |c|
  c.redis = redis_options
  # Scheduled and retried jobs come due within about a second instead of Sidekiq's 5 s average
  # (and the first poll within 0-5 s of start instead of 10-15 s).
  c.options[:poll_interval_average] = 1
end
