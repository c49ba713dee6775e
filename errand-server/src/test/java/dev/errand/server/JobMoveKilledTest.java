package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.AttemptError;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.QueueInfo;
import dev.errand.contract.process.ChildJvm;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.NewJob;
import dev.errand.spi.Store;
import dev.errand.sqlite.SqliteStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code errand jobs move} in a JVM of its own, killed with SIGKILL in the middle of moving 50,000
 * jobs, then run again: every job is exactly once in the target, with its run time, attempts and
 * errors, and none is left in the source. From SQLite and from Redis, to PostgreSQL.
 */
class JobMoveKilledTest {
  private static final int JOBS = 50_000;

  /** Jobs whose first attempt failed in the source: they move as retrying, with the error. */
  private static final int RETRYING = 100;

  /** Every this many jobs, one is scheduled an hour ahead. */
  private static final int SCHEDULED_EVERY = 10;

  private static final String QUEUE = "moving";

  /** The kill lands once this many jobs reached the target: well inside the move. */
  private static final int KILL_AFTER = 5_000;

  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
  private final Instant later = now.plus(Duration.ofHours(1));

  @Test
  void fromSqliteToPostgres(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("old.db");
    try (TestPostgres target = new TestPostgres()) {
      // The file is the move's alone while it runs: a SQLite store holds its file for one process.
      try (SqliteStore source = SqliteStore.builder(file).build()) {
        source.migrate();
        fill(source);
      }
      List<String> move =
          List.of(
              "jobs",
              "move",
              "--from",
              "jdbc:sqlite:" + file,
              "--to",
              TestPostgres.url(),
              "--to-schema",
              target.schema);
      // The file cannot be read while the move holds it: the kill lands where it may; once the
      // move is dead, the file is read to count what it left.
      moveKilledThenAgain(
          dir,
          move,
          null,
          () -> {
            try (SqliteStore source = SqliteStore.builder(file).build()) {
              return count(source);
            }
          },
          target.store);
      try (SqliteStore source = SqliteStore.builder(file).build()) {
        assertEveryJobOnceInTheTarget(source, target.store);
      }
    }
  }

  @Test
  void fromRedisToPostgres(@TempDir Path dir) throws Exception {
    try (TestRedis source = new TestRedis();
        TestPostgres target = new TestPostgres()) {
      fill(source.store);
      List<String> move =
          List.of(
              "jobs",
              "move",
              "--from",
              TestRedis.url(),
              "--from-prefix",
              source.prefix,
              "--to",
              TestPostgres.url(),
              "--to-schema",
              target.schema);
      moveKilledThenAgain(dir, move, source.store, () -> count(source.store), target.store);
      assertEveryJobOnceInTheTarget(source.store, target.store);
    }
  }

  /** JOBS jobs, {"n": i}; every SCHEDULED_EVERY-th an hour ahead; RETRYING failed once. */
  private void fill(Store source) {
    List<NewJob> chunk = new ArrayList<>();
    for (int n = 0; n < JOBS; n++) {
      Instant runAt = n % SCHEDULED_EVERY == SCHEDULED_EVERY - 1 ? later : now;
      chunk.add(
          new NewJob(
              "move-test", QUEUE, "{\"n\":" + n + "}", n % 3, runAt, 5, List.of("t"), Map.of()));
      if (chunk.size() == 1_000) {
        source.jobInsertMany(new JobInsertManyParams(chunk, now));
        chunk.clear();
      }
    }
    List<JobInfo> claimed =
        source.jobFetch(new JobFetchParams(QUEUE, RETRYING, "old-node", now, later));
    assertThat(claimed).hasSize(RETRYING);
    List<JobFinish> failures = new ArrayList<>();
    for (JobInfo job : claimed) {
      failures.add(
          new JobFinish.Failed(
              new JobRef(job.id(), job.attempt()), now, failure(job), later.plusSeconds(60)));
    }
    source.jobFinishMany(new JobFinishManyParams(failures));
  }

  private static AttemptError failure(JobInfo job) {
    return AttemptError.of(
        1, job.attemptedAt(), "java.io.IOException", "timed out: " + job.argsJson());
  }

  /**
   * Runs the move in a child JVM, kills it mid-way, then runs it again here to the end. With a
   * {@code source} it can read meanwhile, the kill aims at the window a kill is most harmful in: a
   * round's copies written to the target and its jobs not all deleted from the source yet (source
   * and target together hold more than JOBS); if no poll catches that window before a few rounds
   * went by, it kills anyway. Once the move is dead, {@code sourceCount} and the target say exactly
   * how many jobs are in both, and the second move must find exactly those in the target already.
   */
  private void moveKilledThenAgain(
      Path dir, List<String> move, Store source, Supplier<Long> sourceCount, Store target)
      throws Exception {
    long inTarget;
    long inBoth;
    try (ChildJvm first = ChildJvm.start("move", dir.resolve("move.log"), ErrandCli.class, move)) {
      await("the first move under way")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(5))
          .failFast("the move exited first:\n" + first.tail(), () -> !first.isAlive())
          .until(
              () -> {
                long moved = count(target);
                if (moved < KILL_AFTER) {
                  return false;
                }
                return source == null || moved + count(source) > JOBS || moved >= 4 * KILL_AFTER;
              });
      first.kill();
      inTarget = count(target);
      inBoth = inTarget + sourceCount.get() - JOBS;
      System.out.printf(
          "JobMoveKilledTest: killed with %d of %d jobs in the target, %d of them still in the"
              + " source too%n",
          inTarget, JOBS, inBoth);
      assertThat(inTarget).as("jobs in the target when killed").isLessThan(JOBS);
      assertThat(inBoth).as("jobs in both stores when killed").isNotNegative();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new ErrandCli(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(),
                dir)
            .run(move.toArray(String[]::new));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as("the second move: %s%s", printed, err).isZero();
    Matcher done =
        Pattern.compile("done: (\\d+) moved, (\\d+) found in the target already").matcher(printed);
    assertThat(done.find()).as(printed).isTrue();
    long moved = Long.parseLong(done.group(1));
    long alreadyMoved = Long.parseLong(done.group(2));
    System.out.printf(
        "JobMoveKilledTest: the second move moved %d and found %d in the target already%n",
        moved, alreadyMoved);
    assertThat(alreadyMoved).as("copies the first move wrote and did not delete").isEqualTo(inBoth);
    assertThat(moved).as("jobs the first move did not reach").isEqualTo(JOBS - inTarget);
  }

  private static long count(Store store) {
    long total = 0;
    for (QueueInfo queue : store.queueList()) {
      for (JobState state : JobState.values()) {
        total += queue.count(state);
      }
    }
    return total;
  }

  private void assertEveryJobOnceInTheTarget(Store source, Store target) {
    assertThat(source.jobList(JobQuery.all())).as("jobs left in the source").isEmpty();
    BitSet seen = new BitSet(JOBS);
    Map<JobState, Integer> byState = new HashMap<>();
    long afterId = 0;
    while (true) {
      List<JobInfo> page =
          target.jobList(JobQuery.all().withAfterId(afterId).withLimit(JobQuery.MAX_LIMIT));
      if (page.isEmpty()) {
        break;
      }
      for (JobInfo job : page) {
        int n = Integer.parseInt(job.argsJson().replaceAll("\\D", ""));
        assertThat(seen.get(n)).as("job %d twice in the target", n).isFalse();
        seen.set(n);
        byState.merge(job.state(), 1, Integer::sum);
        assertThat(job.priority()).isEqualTo(n % 3);
        assertThat(job.tags()).containsExactly("t");
        if (job.state() == JobState.RETRYABLE) {
          assertThat(job.attempt()).isEqualTo(1);
          assertThat(job.errors()).hasSize(1);
          assertThat(job.errors().get(0).message()).isEqualTo("timed out: " + job.argsJson());
          assertThat(job.scheduledAt()).isEqualTo(later.plusSeconds(60));
        } else if (n % SCHEDULED_EVERY == SCHEDULED_EVERY - 1) {
          assertThat(job.state()).as("job %d", n).isEqualTo(JobState.SCHEDULED);
          assertThat(job.scheduledAt()).isEqualTo(later);
        } else {
          assertThat(job.state()).as("job %d", n).isEqualTo(JobState.AVAILABLE);
          assertThat(job.attempt()).isZero();
        }
      }
      afterId = page.get(page.size() - 1).id();
    }
    assertThat(seen.cardinality()).as("distinct jobs in the target").isEqualTo(JOBS);
    assertThat(byState)
        .isEqualTo(
            Map.of(
                JobState.AVAILABLE,
                JOBS - JOBS / SCHEDULED_EVERY - RETRYING,
                JobState.SCHEDULED,
                JOBS / SCHEDULED_EVERY,
                JobState.RETRYABLE,
                RETRYING));
  }
}
