package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.NewJob;
import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link JobMove} between two in-memory stores: what moves and what stays, each job's fields and
 * history kept, a move stopped at any point and run again, and a job an old node takes mid-move.
 */
class JobMoveTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

  private final Store source = Stores.inMemory();
  private final Store target = Stores.inMemory();

  @Test
  void movesWaitingScheduledAndRetryingJobsWithTheirHistoryAndLeavesRunningOnes() {
    // Each claimed (fetched) while it is the only available job.
    long retrying = insert(job("mail", "{\"n\":3}", T0).build());
    AttemptError failure = failOnce(retrying, T0.plusSeconds(60));
    long running = insert(job("mail", "{}", T0).build());
    claim(running);
    long available = insert(job("mail", "{\"to\": \"a@b\"}", T0).build());
    long scheduled = insert(job("mail", "{}", T0.plusSeconds(600)).build());

    JobMove.Summary summary = JobMove.from(source).to(target).clock(CLOCK).run();

    assertThat(summary).isEqualTo(new JobMove.Summary(3, 0, 0, 0));
    assertThat(ids(source)).containsExactly(running);
    List<JobInfo> moved = all(target);
    assertThat(moved)
        .extracting(JobInfo::argsJson)
        .containsExactly("{\"n\":3}", "{\"to\": \"a@b\"}", "{}");
    assertThat(moved.get(1).state()).isEqualTo(JobState.AVAILABLE);
    assertThat(moved.get(2).state()).isEqualTo(JobState.SCHEDULED);
    assertThat(moved.get(2).scheduledAt()).isEqualTo(T0.plusSeconds(600));
    JobInfo retried = moved.get(0);
    assertThat(retried.state()).isEqualTo(JobState.RETRYABLE);
    assertThat(retried.scheduledAt()).isEqualTo(T0.plusSeconds(60));
    assertThat(retried.attempt()).isEqualTo(1);
    assertThat(retried.errors()).containsExactly(failure);
    assertThat(moved)
        .allSatisfy(
            job -> {
              assertThat(job.kind()).isEqualTo("mail");
              assertThat(job.queue()).isEqualTo("q");
              assertThat(job.priority()).isEqualTo(3);
              assertThat(job.maxAttempts()).isEqualTo(5);
              assertThat(job.tags()).containsExactly("t");
              assertThat(job.metadata()).isEqualTo(Map.of("m", "1"));
            });
  }

  /**
   * Deleting a job from the source counts it as cancelled for the jobs that wait on it there, which
   * would release them (or cancel them) before it ran in the target.
   */
  @Test
  void refusesASourceWithJobsWaitingOnOthers() {
    long first = insert(job("mail", "{}", T0).build());
    insert(job("mail", "{}", T0).build().withDependencies(List.of(first), DependencyFailure.RUN));

    assertThatThrownBy(() -> JobMove.from(source).to(target).clock(CLOCK).run())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("wait on other jobs");
    assertThat(all(source)).hasSize(2);
    assertThat(all(target)).isEmpty();
  }

  @Test
  void onlyTheQueueAndStatesAsked() {
    insert(job("mail", "{}", T0).build());
    long other = insert(new NewJob("mail", "other", "{}", 0, T0, 5, List.of(), Map.of()));
    long later = insert(job("mail", "{}", T0.plusSeconds(600)).build());

    JobMove.Summary summary =
        JobMove.from(source)
            .to(target)
            .queue("q")
            .states(Set.of(JobState.AVAILABLE))
            .clock(CLOCK)
            .run();

    assertThat(summary.moved()).isEqualTo(1);
    assertThat(ids(source)).containsExactlyInAnyOrder(other, later);
  }

  /**
   * Stopped after each possible number of deletes — the state a kill leaves, as the target has the
   * page's copies and the source still has the jobs not yet deleted — and run again: every job once
   * in the target, none in the source.
   */
  @Test
  void aMoveStoppedAnywhereAndRunAgainLeavesEveryJobOnceInTheTarget() {
    int jobs = 7;
    for (int stopAfter = 0; stopAfter <= jobs; stopAfter++) {
      Store from = Stores.inMemory();
      Store to = Stores.inMemory();
      List<NewJob> inserted =
          IntStream.range(0, jobs)
              .mapToObj(i -> job("mail", "{\"n\":" + i + "}", T0).build())
              .toList();
      from.jobInsertMany(new JobInsertManyParams(inserted, T0));
      AtomicInteger deletes = new AtomicInteger();
      int limit = stopAfter;
      Store stopping =
          intercept(
              from,
              "jobDelete",
              (method, args) -> {
                if (deletes.getAndIncrement() == limit) {
                  throw new StoreException("killed");
                }
                return null;
              });

      if (stopAfter < jobs) {
        assertThatThrownBy(() -> JobMove.from(stopping).to(to).pageSize(3).clock(CLOCK).run())
            .hasMessage("killed");
      }
      JobMove.Summary again = JobMove.from(from).to(to).pageSize(3).clock(CLOCK).run();

      assertThat(all(from)).as("left in the source, stopped after %d", stopAfter).isEmpty();
      assertThat(all(to))
          .as("in the target, stopped after %d", stopAfter)
          .extracting(JobInfo::argsJson)
          .containsExactlyElementsOf(inserted.stream().map(NewJob::argsJson).toList());
      if (stopAfter < jobs) {
        // The page that was under way when it stopped: its copies were written, not all deleted.
        int pageStart = stopAfter / 3 * 3;
        int copiedBefore = Math.min(pageStart + 3, jobs) - stopAfter;
        assertThat(again.alreadyMoved()).as("stopped after %d", stopAfter).isEqualTo(copiedBefore);
        assertThat(again.moved() + again.alreadyMoved()).isEqualTo(jobs - stopAfter);
      }
    }
  }

  @Test
  void aJobAnOldNodeTakesMidMoveStaysThereAndLeavesNoCopy() {
    long taken = insert(job("mail", "{}", T0).build());
    long other = insert(job("mail", "{}", T0).build());
    Store racing =
        intercept(
            source,
            "jobDelete",
            (method, args) -> {
              if (((JobDeleteParams) args[0]).id() == taken) {
                claim(taken); // an old node fetches it just before the delete
              }
              return null;
            });

    JobMove.Summary summary = JobMove.from(racing).to(target).clock(CLOCK).run();

    assertThat(summary).isEqualTo(new JobMove.Summary(1, 0, 1, 0));
    assertThat(ids(source)).containsExactly(taken);
    assertThat(all(target)).hasSize(1);
    assertThat(other).isNotEqualTo(taken);
  }

  @Test
  void reportsProgressAfterEachRound() {
    for (int i = 0; i < 5; i++) {
      insert(job("mail", "{}", T0).build());
    }
    List<Long> progress = new ArrayList<>();

    JobMove.from(source)
        .to(target)
        .pageSize(2)
        .clock(CLOCK)
        .onProgress(s -> progress.add(s.moved()))
        .run();

    assertThat(progress).containsExactly(2L, 4L, 5L);
  }

  @Test
  void refusesOneStoreAsBothEnds() {
    assertThatThrownBy(() -> JobMove.from(source).to(source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two stores");
    assertThatThrownBy(() -> JobMove.from(source).run())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("to(store)");
    assertThatThrownBy(() -> JobMove.from(source).states(Set.of(JobState.RUNNING)))
        .hasMessageContaining("subset of");
  }

  private static Spec job(String kind, String args, Instant runAt) {
    return new Spec(kind, args, runAt);
  }

  private record Spec(String kind, String args, Instant runAt) {
    NewJob build() {
      return new NewJob(kind, "q", args, 3, runAt, 5, List.of("t"), Map.of("m", "1"));
    }
  }

  private long insert(NewJob job) {
    return insertAll(List.of(job)).get(0);
  }

  private List<Long> insertAll(List<NewJob> jobs) {
    return source.jobInsertMany(new JobInsertManyParams(jobs, T0)).stream()
        .map(Enqueued::id)
        .toList();
  }

  /** Claims job {@code id}, the next available job of its queue, as an old node would. */
  private JobInfo claim(long id) {
    JobInfo job = source.jobGet(id).orElseThrow();
    List<JobInfo> claimed =
        source.jobFetch(
            new JobFetchParams(job.queue(), 1, "old-node", T0, T0.plus(Duration.ofMinutes(1))));
    assertThat(claimed).extracting(JobInfo::id).containsExactly(id);
    return claimed.get(0);
  }

  /**
   * Fails the job's first attempt, to retry at {@code retryAt}; returns its error as the store
   * keeps it, with the run it ended (which a move keeps too).
   */
  private AttemptError failOnce(long id, Instant retryAt) {
    JobInfo running = claim(id);
    AttemptError error = AttemptError.of(1, T0, "java.io.IOException", "timed out");
    source.jobFinishMany(
        new JobFinishManyParams(
            List.of(new JobFinish.Failed(new JobRef(id, running.attempt()), T0, error, retryAt))));
    return error.withRun(running.attemptedAt(), "old-node");
  }

  private static List<JobInfo> all(Store store) {
    List<JobInfo> jobs =
        new ArrayList<>(store.jobList(JobQuery.all().withLimit(JobQuery.MAX_LIMIT)));
    jobs.sort(Comparator.comparingLong(JobInfo::id));
    return jobs;
  }

  private static List<Long> ids(Store store) {
    return all(store).stream().map(JobInfo::id).toList();
  }

  /** {@code store}, running {@code before} ahead of each call of {@code method}. */
  private static Store intercept(
      Store store, String method, BiFunction<String, Object[], Object> before) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, m, args) -> {
              if (m.getName().equals(method)) {
                before.apply(m.getName(), args);
              }
              try {
                return m.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
