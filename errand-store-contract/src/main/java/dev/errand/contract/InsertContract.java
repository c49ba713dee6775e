package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.SCHEDULED;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.errand.AttemptError;
import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.spi.Capability;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobInsertManyParams;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Insert, an area of the {@link StoreContract}: one call stores many jobs, every field as given and
 * args byte for byte; a job due later is scheduled, one due now available; ids increase in
 * insertion order.
 */
abstract class InsertContract extends ContractFixtures {

  @Test
  void storesAnAvailableJobWithEveryFieldAndAttemptZero() {
    List<Enqueued> result =
        insert(
            job()
                .kind("email.send")
                .queue("mail")
                .args("{\"to\": \"a@example.com\"}")
                .priority(3)
                .maxAttempts(5)
                .tags("welcome", "eu")
                .metadata(Map.of("tenant", "42", "source", "signup")));

    assertThat(result).hasSize(1);
    long id = result.get(0).id();
    assertThat(result.get(0)).isEqualTo(new Enqueued(id, AVAILABLE, false));
    assertThat(id).as("ids are positive: 0 means 'before the first' in JobQuery").isPositive();
    assertThat(get(id))
        .isEqualTo(
            new JobInfo(
                id,
                "email.send",
                "mail",
                AVAILABLE,
                "{\"to\": \"a@example.com\"}",
                3,
                0,
                5,
                T0,
                T0,
                null,
                null,
                null,
                null,
                List.of("welcome", "eu"),
                Map.of("tenant", "42", "source", "signup"),
                List.of()));
  }

  @Test
  void jobsThatDifferOnlyInArgsKeepEveryFieldAndTheirOrder() {
    // The shape of a bulk enqueue: one kind, the same options. A store may write such a batch
    // on a faster path (PostgreSQL does); what it stores must not differ.
    List<Enqueued> result =
        insert(
            job()
                .kind("email.send")
                .queue("mail")
                .args("{\"to\": \"a@example.com\"}")
                .priority(3)
                .maxAttempts(5)
                .scheduledAt(at(60))
                .tags("welcome", "eu")
                .metadata(Map.of("tenant", "42")),
            job()
                .kind("email.send")
                .queue("mail")
                .args("{\"to\": \"b@example.com\"}")
                .priority(3)
                .maxAttempts(5)
                .scheduledAt(at(60))
                .tags("welcome", "eu")
                .metadata(Map.of("tenant", "42")));

    assertThat(result).extracting(Enqueued::state).containsExactly(SCHEDULED, SCHEDULED);
    assertStrictlyIncreasing(ids(result));
    for (int i = 0; i < 2; i++) {
      long id = result.get(i).id();
      assertThat(get(id))
          .isEqualTo(
              new JobInfo(
                  id,
                  "email.send",
                  "mail",
                  SCHEDULED,
                  i == 0 ? "{\"to\": \"a@example.com\"}" : "{\"to\": \"b@example.com\"}",
                  3,
                  0,
                  5,
                  T0,
                  at(60),
                  null,
                  null,
                  null,
                  null,
                  List.of("welcome", "eu"),
                  Map.of("tenant", "42"),
                  List.of()));
    }
  }

  @Test
  void argsAreKeptByteForByteNumbersAndTextIncluded() {
    // What a client enqueues is what a worker receives: no store may re-encode args, which
    // would turn 1e400 into Infinity, 0.1000000000000000000000001 into 0.1 and 2.50 into 2.5.
    String args =
        "{\"huge\": 1e400, \"tiny\": -1E-400, \"precise\": 0.1000000000000000000000001,"
            + " \"trailing\": 2.50, \"big\": 123456789012345678901234567890,"
            + " \"text\": \"\ud83d\ude00 Zo\u00eb \\u00e9\\\\\", \"list\": [0.0, -0, 1e-1000]}";
    long single = insert(job().args(args)).get(0).id();
    List<Enqueued> bulk = insert(job().args(args), job().args(args));

    assertThat(get(single).argsJson()).isEqualTo(args);
    for (Enqueued enqueued : bulk) {
      assertThat(get(enqueued.id()).argsJson()).isEqualTo(args);
    }
    assertThat(fetch(QUEUE, 10)).extracting(JobInfo::argsJson).containsOnly(args);
  }

  @Test
  void argsAsLargeAsTheDefaultLimitInCharactersOfEveryWidthAreKeptByteForByte() {
    // Core refuses args over Config.maxArgsBytes, counted in UTF-8 bytes: a store must keep the
    // largest it lets through by default, text of one- to four-byte characters, as it came. The
    // last character, four bytes wide, ends at the limit.
    int bytes = Config.DEFAULT_MAX_ARGS_BYTES;
    String round = "a\u00e9\u20ac\ud83d\ude00"; // 1 + 2 + 3 + 4 bytes
    String text = round.repeat((bytes - 12) / 10);
    text += "a".repeat(bytes - 12 - text.getBytes(UTF_8).length) + "\ud83d\ude00";
    String args = "{\"s\":\"" + text + "\"}";
    byte[] expected = args.getBytes(UTF_8);
    assertThat(expected).hasSize(bytes);

    long single = insertOne(job().args(args));
    List<Enqueued> bulk = insert(job().args(args), job().args(args));

    List<String> read = new ArrayList<>();
    read.add(get(single).argsJson());
    for (Enqueued enqueued : bulk) {
      read.add(get(enqueued.id()).argsJson());
    }
    List<JobInfo> fetched = fetch(QUEUE, 10);
    assertThat(fetched).hasSize(3);
    fetched.forEach(job -> read.add(job.argsJson()));
    for (String argsJson : read) {
      // The index of the first byte that differs, rather than two mebibytes of text on failure.
      assertThat(Arrays.mismatch(argsJson.getBytes(UTF_8), expected))
          .as("first differing byte of %d", bytes)
          .isEqualTo(-1);
    }
  }

  @Test
  void aJobDueLaterIsScheduledAndOneDueNowOrEarlierIsAvailable() {
    List<Enqueued> result =
        insert(
            job().scheduledAt(at(60)),
            job().scheduledAt(T0),
            job().scheduledAt(T0.minusSeconds(60)));

    assertThat(result).extracting(Enqueued::state).containsExactly(SCHEDULED, AVAILABLE, AVAILABLE);
    assertThat(result).extracting(Enqueued::duplicate).containsOnly(false);
    JobInfo later = get(result.get(0).id());
    assertThat(later.state()).isEqualTo(SCHEDULED);
    assertThat(later.scheduledAt()).isEqualTo(at(60));
    assertThat(later.createdAt()).isEqualTo(T0);
    assertThat(later.attempt()).isZero();
    assertThat(get(result.get(1).id()).scheduledAt()).isEqualTo(T0);
    JobInfo earlier = get(result.get(2).id());
    assertThat(earlier.state()).isEqualTo(AVAILABLE);
    assertThat(earlier.scheduledAt()).isEqualTo(T0.minusSeconds(60));
  }

  @Test
  void textBeyondTheBasicPlaneReadsBackExactly() {
    // Core refuses NUL and unpaired surrogates (StoredText); everything else must survive,
    // surrogate pairs included, whether raw or escaped in the args.
    String emoji = "\ud83d\ude00";
    String args = "{\"raw\": \"" + emoji + " 日本\", \"escaped\": \"\\ud83d\\ude00\"}";
    String owner = "worker " + emoji;
    long failed =
        insertOne(
            job()
                .args(args)
                .maxAttempts(2)
                .tags("🚀 launch", "日本", emoji)
                .metadata(Map.of("🔑 key", "värde " + emoji)));
    long cancelled = insertOne(job().queue("other"));

    JobInfo running = fetchOnlyAs(owner, QUEUE, failed);
    assertThat(running.leaseOwner()).isEqualTo(owner);
    AttemptError error =
        new AttemptError(1, now(), "Err" + emoji, "message " + emoji, "at " + emoji + "\n");
    finish(new JobFinish.Failed(ref(running), now(), error, now()));
    store.jobCancel(new JobCancelParams(cancelled, now(), "reason " + emoji));

    JobInfo job = get(failed);
    assertThat(job.argsJson()).isEqualTo(args);
    assertThat(job.tags()).containsExactly("🚀 launch", "日本", emoji);
    assertThat(job.metadata()).isEqualTo(Map.of("🔑 key", "värde " + emoji));
    assertThat(job.errors())
        .as("the owner kept as the error's node too")
        .containsExactly(ending(running, error));
    assertThat(get(cancelled).errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).isEqualTo("reason " + emoji));
  }

  @Test
  void runTimesAtTheEdgesOfTheAcceptedRangeReadBackExactly() {
    // The range enqueue lets through, to the microsecond, and the longest delay from now.
    Instant farthest = now().plus(EnqueueOptions.MAX_RUN_IN);
    List<Enqueued> result =
        insert(
            job().scheduledAt(EnqueueOptions.MIN_RUN_AT),
            job().scheduledAt(EnqueueOptions.MAX_RUN_AT));

    assertThat(result).extracting(Enqueued::state).containsExactly(AVAILABLE, SCHEDULED);
    assertThat(get(result.get(1).id()).scheduledAt()).isEqualTo(EnqueueOptions.MAX_RUN_AT);
    JobInfo first = fetchOnly(QUEUE, result.get(0).id());
    assertThat(first.scheduledAt()).isEqualTo(EnqueueOptions.MIN_RUN_AT);
    finish(new JobFinish.Snoozed(ref(first), now(), EnqueueOptions.MAX_RUN_AT));
    assertThat(get(first.id()).scheduledAt()).isEqualTo(EnqueueOptions.MAX_RUN_AT);
    assertThat(retryable(job(), farthest).scheduledAt()).isEqualTo(farthest);
  }

  @Test
  void createdAtIsTheInsertTimeNotTheRunTime() {
    clock.set(at(100));

    long id = insertOne(job().scheduledAt(at(500)));

    assertThat(get(id).createdAt()).isEqualTo(at(100));
    assertThat(get(id).scheduledAt()).isEqualTo(at(500));
  }

  @Test
  void idsIncreaseInInsertionOrderWithinAndAcrossCalls() {
    List<Enqueued> first = insert(job(), job().queue("other"), job().scheduledAt(at(5)));
    List<Enqueued> second = insert(job().kind("other"), job());

    List<Long> ids = new ArrayList<>();
    first.forEach(e -> ids.add(e.id()));
    second.forEach(e -> ids.add(e.id()));
    assertStrictlyIncreasing(ids);
    assertThat(ids(listAll(JobQuery.all()))).containsExactlyElementsOf(ids);
  }

  @Test
  void anEmptyInsertStoresNothing() {
    assertThat(store.jobInsertMany(new JobInsertManyParams(List.of(), now()))).isEmpty();

    assertThat(store.jobList(JobQuery.all())).isEmpty();
    assertThat(store.queueList()).isEmpty();
  }

  @Test
  void withoutTxEnqueueATransactionalInsertIsRefusedAndStoresNothing() {
    assumeFalse(
        store.capabilities().contains(Capability.TX_ENQUEUE), "the store declares TX_ENQUEUE");
    Connection untouchable =
        (Connection)
            Proxy.newProxyInstance(
                InsertContract.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                  throw new AssertionError("the store used the connection: " + method);
                });
    JobInsertManyParams params = new JobInsertManyParams(List.of(job().build(now())), now());

    assertThatThrownBy(() -> store.jobInsertMany(untouchable, params))
        .isInstanceOf(UnsupportedOperationException.class);

    assertThat(store.jobList(JobQuery.all())).isEmpty();
  }

  @Test
  void jobsOfSeveralQueuesAndKindsGoInOneCall() {
    List<Enqueued> result =
        insert(job().queue("a").kind("x"), job().queue("b").kind("y"), job().queue("a"));

    assertThat(result).extracting(Enqueued::state).containsOnly(AVAILABLE);
    assertThat(get(result.get(0).id()).queue()).isEqualTo("a");
    assertThat(get(result.get(0).id()).kind()).isEqualTo("x");
    assertThat(get(result.get(1).id()).queue()).isEqualTo("b");
    assertThat(get(result.get(1).id()).kind()).isEqualTo("y");
    assertThat(counts("a")).isEqualTo(Map.of(AVAILABLE, 2L));
    assertThat(counts("b")).isEqualTo(Map.of(AVAILABLE, 1L));
  }
}
