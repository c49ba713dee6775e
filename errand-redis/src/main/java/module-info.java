/** Errand's store on Redis, in Sidekiq's key layout: {@code RedisStore.builder(url)}. */
module dev.errand.redis {
  requires transitive dev.errand;
  requires redis.clients.jedis;
  requires org.slf4j;

  exports dev.errand.redis;
}
