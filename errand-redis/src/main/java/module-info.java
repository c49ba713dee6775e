/** Errand's store on Redis, in Sidekiq's key layout: {@code RedisStore.builder(url)}. */
module dev.errand.redis {
  requires transitive dev.errand;
  requires redis.clients.jedis;
  // Jedis, an automatic module, uses these; an automatic module's own dependencies are resolved
  // only when some module requires them by name, so an application on the module path would have
  // to --add-modules them.
  requires org.apache.commons.pool2;
  requires com.google.gson;
  requires org.json;
  requires org.slf4j;

  exports dev.errand.redis;
}
