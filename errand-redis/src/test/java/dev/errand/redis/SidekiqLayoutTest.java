package dev.errand.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.AttemptError;
import dev.errand.spi.Capability;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.NewJob;
import java.net.URI;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Errand's jobs sit where Sidekiq keeps its own, as Sidekiq's JSON: a waiting job in {@code
 * queue:<name>} (Sidekiq's list, whose right end its processes pop), a scheduled one in {@code
 * schedule}, a failed one with its error in {@code retry}, a discarded one in {@code dead}, scored
 * in float seconds; the queue's name in {@code queues}.
 */
class SidekiqLayoutTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00.123456Z");

  private final String prefix = "errand-test-" + UUID.randomUUID();
  private final RedisStore store = RedisStore.builder(TestRedis.url()).prefix(prefix).build();
  private final RedisClient redis = RedisClient.create(URI.create(TestRedis.url()));

  @AfterEach
  void tearDown() {
    store.close();
    redis.close();
    TestRedis.dropPrefix(prefix);
  }

  private String key(String name) {
    return prefix + ":" + name;
  }

  private long insert(String argsJson, Instant runAt, int maxAttempts) {
    NewJob job =
        new NewJob("SignInEmail", "mailers", argsJson, 0, runAt, maxAttempts, List.of(), Map.of());
    return store.jobInsertMany(new JobInsertManyParams(List.of(job), NOW)).get(0).id();
  }

  private JsonNode only(List<String> members) throws Exception {
    assertThat(members).hasSize(1);
    return JSON.readTree(members.get(0));
  }

  @Test
  void aWaitingJobIsSidekiqsJsonInItsQueueList() throws Exception {
    long id = insert("{\"account\":42,\"email\":\"a@example.com\"}", NOW, 5);

    assertThat(redis.smembers(key("queues"))).containsExactly("mailers");
    JsonNode job = only(redis.lrange(key("queue:mailers"), 0, -1));
    assertThat(job.get("class").asText()).isEqualTo("SignInEmail");
    assertThat(job.get("queue").asText()).isEqualTo("mailers");
    // A record's fields in order: Sidekiq passes them to perform positionally.
    assertThat(job.get("args").toString()).isEqualTo("[42,\"a@example.com\"]");
    assertThat(job.get("jid").asText()).matches("[0-9a-f]{24}");
    assertThat(job.get("retry").asInt()).isEqualTo(4);
    assertThat(job.get("created_at").decimalValue()).isEqualByComparingTo("1893456000.123456");
    assertThat(job.get("enqueued_at").decimalValue()).isEqualByComparingTo("1893456000.123456");
    assertThat(job.get("errand_id").asLong()).isEqualTo(id);
    // Sidekiq writes floats as plain decimals, and so must a writer whose JSON Ruby re-reads.
    assertThat(redis.lrange(key("queue:mailers"), 0, -1).get(0))
        .contains("\"created_at\":1893456000.123456");
  }

  @Test
  void argsBecomeSidekiqsPositionalArrayWithEachValueAsWritten() {
    // Raw text, not parsed JSON: a number keeps its digits (Ruby reads 1.50 and 1e2 as written),
    // and a value that holds the separators does not split.
    assertThat(
            positionalArgs(
                " { \"a\" : 1.50 , \"b\":{\"x\":[1, 2]},\"c\":\"s,}\\\"\" ,\n\"d\":1e2,\"e\":null } "))
        .isEqualTo("[1.50,{\"x\":[1, 2]},\"s,}\\\"\",1e2,null]");
    assertThat(positionalArgs("{}")).isEqualTo("[]");
    assertThat(positionalArgs(" [1, \"x\"] ")).isEqualTo("[1, \"x\"]");
    assertThat(positionalArgs("\"one\"")).isEqualTo("[\"one\"]");
    assertThat(positionalArgs("12345678901234567890.5")).isEqualTo("[12345678901234567890.5]");
  }

  /** The args of the job as its Sidekiq JSON in its queue list holds them, as text. */
  private String positionalArgs(String argsJson) {
    redis.del(key("queue:mailers"));
    insert(argsJson, NOW, 1);
    String member = redis.lrange(key("queue:mailers"), 0, -1).get(0);
    int start = member.indexOf("\"args\":") + "\"args\":".length();
    return member.substring(start, member.indexOf(",\"queue\":", start));
  }

  @Test
  void aScheduledJobIsInTheScheduleSetScoredByItsRunTime() throws Exception {
    long id = insert("[1,\"x\"]", NOW.plusSeconds(60), 1);

    List<String> members = redis.zrange(key("schedule"), 0, -1);
    assertThat(only(members).get("errand_id").asLong()).isEqualTo(id);
    assertThat(only(members).get("args").toString()).isEqualTo("[1,\"x\"]");
    assertThat(only(members).has("at")).as("Sidekiq's poller would schedule it again").isFalse();
    assertThat(redis.zscore(key("schedule"), members.get(0))).isEqualTo(1893456060.123456);
    assertThat(redis.llen(key("queue:mailers"))).isZero();
  }

  @Test
  void aFailedJobIsInTheRetrySetWithItsErrorAndADiscardedOneInTheDeadSet() throws Exception {
    long id = insert("{}", NOW, 2);
    Instant failedAt = NOW.plusSeconds(1);
    Instant retryAt = NOW.plusSeconds(30);
    fetchAndFail(id, 1, failedAt, retryAt);

    List<String> retries = redis.zrange(key("retry"), 0, -1);
    JsonNode retry = only(retries);
    assertThat(retry.get("errand_id").asLong()).isEqualTo(id);
    assertThat(retry.get("error_class").asText()).isEqualTo("java.io.IOException");
    assertThat(retry.get("error_message").asText()).isEqualTo("mail server said \"no\"");
    assertThat(retry.get("retry_count").asInt()).as("0 after the first failure").isZero();
    assertThat(retry.get("failed_at").decimalValue()).isEqualByComparingTo("1893456001.123456");
    assertThat(redis.zscore(key("retry"), retries.get(0))).isEqualTo(1893456030.123456);

    store.jobStage(new dev.errand.spi.JobStageParams(retryAt, 10));
    assertThat(redis.zcard(key("retry"))).isZero();
    fetchAndFail(id, 2, retryAt.plusSeconds(1), null);

    List<String> dead = redis.zrange(key("dead"), 0, -1);
    assertThat(only(dead).get("errand_id").asLong()).isEqualTo(id);
    assertThat(only(dead).get("retry_count").asInt()).isEqualTo(1);
    assertThat(redis.zscore(key("dead"), dead.get(0))).isEqualTo(1893456031.123456);
    assertThat(redis.get(key("stat:failed"))).isEqualTo("2");
    assertThat(redis.get(key("stat:processed"))).isEqualTo("2");
  }

  @Test
  void aRetryThatSidekiqsPollerMovedIntoItsQueueIsClaimedAsTheSameJob() throws Exception {
    long id = insert("{\"n\":1}", NOW, 3);
    Instant retryAt = NOW.plusSeconds(30);
    fetchAndFail(id, 1, NOW.plusSeconds(1), retryAt);
    // What Sidekiq's poller does with a due retry: out of `retry`, onto the queue's list, its
    // failure's fields still after errand_id.
    String member = redis.zrange(key("retry"), 0, -1).get(0);
    assertThat(member).doesNotEndWith("\"errand_id\":" + id + "}");
    redis.zrem(key("retry"), member);
    redis.lpush(key("queue:mailers"), member);

    fetchAndFail(id, 2, retryAt.plusSeconds(1), retryAt.plusSeconds(60));

    assertThat(redis.llen(key("queue:mailers"))).isZero();
    assertThat(redis.hlen(key("errand:data"))).as("no job adopted beside it").isEqualTo(1);
    assertThat(only(redis.zrange(key("retry"), 0, -1)).get("retry_count").asInt()).isEqualTo(1);
  }

  private void fetchAndFail(long id, int attempt, Instant at, Instant retryAt) {
    assertThat(store.jobFetch(new JobFetchParams("mailers", 1, "node", at, at.plusSeconds(30))))
        .singleElement()
        .satisfies(j -> assertThat(j.id()).isEqualTo(id));
    AttemptError error =
        AttemptError.of(attempt, at, "java.io.IOException", "mail server said \"no\"");
    assertThat(
            store
                .jobFinishMany(
                    new JobFinishManyParams(
                        List.of(new JobFinish.Failed(new JobRef(id, attempt), at, error, retryAt))))
                .applied())
        .containsExactly(id);
  }

  /** Jobs as Ruby's Sidekiq client writes them (copied from redis-cli on a real Sidekiq 6.4.1). */
  private static final String PUSHED =
      "{\"retry\":3,\"queue\":\"mailers\",\"class\":\"SignInEmail\",\"args\":[12345678901234567890,"
          + "\"a]b\\\"c\"],\"jid\":\"27dbbb0a4f8fe881a56977d0\",\"created_at\":1893456000.5,"
          + "\"enqueued_at\":1893456000.75}";

  private static final String RETRIED =
      "{\"retry\":true,\"queue\":\"mailers\",\"class\":\"SignInEmail\",\"args\":[1],"
          + "\"jid\":\"59cac8aea5cf7973314ac471\",\"created_at\":1893455000.0,"
          + "\"error_message\":\"boom\",\"error_class\":\"ArgumentError\","
          + "\"failed_at\":1893455100.0,\"retry_count\":2}";

  @Test
  void aRetryingJobMovedHereIsInTheRetrySetWithItsLastError() throws Exception {
    Instant retryAt = NOW.plusSeconds(30);
    NewJob job =
        new NewJob(
            "SignInEmail",
            "mailers",
            "[42]",
            0,
            retryAt,
            5,
            List.of(),
            Map.of(),
            "%064x".formatted(7),
            java.util.EnumSet.allOf(dev.errand.JobState.class),
            List.of(),
            dev.errand.DependencyFailure.CANCEL);
    List<dev.errand.AttemptError> errors =
        List.of(
            dev.errand.AttemptError.of(1, NOW.minusSeconds(60), "java.io.IOException", "first"),
            dev.errand.AttemptError.of(
                2, NOW.minusSeconds(1), "java.net.ConnectException", "last"));
    long id =
        store
            .jobImport(
                new dev.errand.spi.JobImportParams(
                    List.of(new dev.errand.spi.ImportedJob(job, true, 2, errors)), NOW))
            .get(0)
            .id();

    List<String> retries = redis.zrange(key("retry"), 0, -1);
    JsonNode retry = only(retries);
    assertThat(retry.get("errand_id").asLong()).isEqualTo(id);
    assertThat(retry.get("args").toString()).isEqualTo("[42]");
    assertThat(retry.get("error_class").asText()).isEqualTo("java.net.ConnectException");
    assertThat(retry.get("error_message").asText()).isEqualTo("last");
    assertThat(retry.get("retry_count").asInt()).as("one less than its attempts").isEqualTo(1);
    assertThat(retry.get("failed_at").decimalValue()).isEqualByComparingTo("1893455999.123456");
    assertThat(redis.zscore(key("retry"), retries.get(0))).isEqualTo(1893456030.123456);
    assertThat(redis.llen(key("queue:mailers"))).isZero();
  }

  @Test
  void aJobPushedBySidekiqsClientIsAdoptedAsItIsClaimed() {
    redis.sadd(key("queues"), "mailers");
    redis.lpush(key("queue:mailers"), PUSHED);

    List<dev.errand.JobInfo> claimed =
        store.jobFetch(new JobFetchParams("mailers", 10, "node", NOW, NOW.plusSeconds(30)));

    assertThat(claimed).hasSize(1);
    dev.errand.JobInfo job = claimed.get(0);
    assertThat(job.kind()).isEqualTo("SignInEmail");
    assertThat(job.state()).isEqualTo(dev.errand.JobState.RUNNING);
    // Byte for byte: a number past a double's precision, a string holding a bracket and a quote.
    assertThat(job.argsJson()).isEqualTo("[12345678901234567890,\"a]b\\\"c\"]");
    assertThat(job.maxAttempts()).as("retry 3: three retries after the first attempt").isEqualTo(4);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.metadata()).containsEntry("sidekiq_jid", "27dbbb0a4f8fe881a56977d0");
    assertThat(job.createdAt()).isEqualTo(Instant.parse("2030-01-01T00:00:00.5Z"));
    assertThat(job.scheduledAt()).isEqualTo(NOW);
    assertThat(redis.llen(key("queue:mailers"))).isZero();
    assertThat(store.jobGet(job.id())).contains(job);
  }

  @Test
  void dueJobsSidekiqsClientScheduledOrRetriedAreAdoptedAsTheyAreStaged() {
    redis.zadd(key("schedule"), 1893455999.0, PUSHED);
    redis.zadd(key("retry"), 1893455999.5, RETRIED);

    assertThat(store.jobStage(new dev.errand.spi.JobStageParams(NOW, 10)).stagedByQueue())
        .isEqualTo(Map.of("mailers", 2));

    assertThat(redis.zcard(key("schedule")) + redis.zcard(key("retry"))).isZero();
    List<dev.errand.JobInfo> claimed =
        store.jobFetch(new JobFetchParams("mailers", 10, "node", NOW, NOW.plusSeconds(30)));
    assertThat(claimed)
        .extracting(dev.errand.JobInfo::scheduledAt)
        .containsExactly(
            Instant.parse("2030-01-01T00:00:00Z").minusSeconds(1),
            Instant.parse("2029-12-31T23:59:59.5Z"));
    dev.errand.JobInfo retried = claimed.get(1);
    assertThat(retried.attempt()).as("its third attempt was made by Sidekiq").isEqualTo(4);
    assertThat(retried.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.errorClass()).isEqualTo("ArgumentError");
              assertThat(e.message()).isEqualTo("boom");
              assertThat(e.attempt()).isEqualTo(3);
            });
  }

  @Test
  void jobsKeepTheirOrderBesideJobsSidekiqsClientPushed() throws Exception {
    long first = insert("{}", NOW, 1);
    redis.lpush(key("queue:mailers"), PUSHED);
    long last = insert("{}", NOW, 1);
    // Due before all of them: it goes to the front, past the job Errand has not adopted yet.
    long early = insert("{}", NOW.minusSeconds(60), 1);

    List<Long> order = new java.util.ArrayList<>();
    for (dev.errand.JobInfo job :
        store.jobFetch(new JobFetchParams("mailers", 10, "node", NOW, NOW.plusSeconds(30)))) {
      order.add(job.id());
    }

    assertThat(order).hasSize(4);
    assertThat(order.subList(0, 2)).containsExactly(early, first);
    assertThat(order.get(3)).isEqualTo(last);
  }

  @Test
  void declaresDurableOnlyWhenTheServerWritesAnAppendOnlyFile() {
    boolean appendOnly = "yes".equals(redis.configGet("appendonly").get("appendonly"));

    // Never TX_ENQUEUE: Redis cannot join a caller's SQL transaction.
    EnumSet<Capability> expected =
        EnumSet.of(
            Capability.MULTI_PROCESS,
            Capability.LISTEN_NOTIFY,
            Capability.NODE_REGISTRY,
            Capability.UNIQUE_JOBS,
            Capability.DEPENDENCIES);
    if (appendOnly) {
      expected.add(Capability.DURABLE);
    }
    assertThat(EnumSet.copyOf(store.capabilities())).isEqualTo(expected);
  }
}
