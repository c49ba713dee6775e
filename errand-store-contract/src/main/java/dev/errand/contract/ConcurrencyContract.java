package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.CANCELLED;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.RETRYABLE;
import static dev.errand.JobState.RUNNING;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.NewJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * Concurrency, an area of the {@link StoreContract}: many threads at once: competing fetchers never
 * get the same job, every job runs exactly once, a cancel or rescue racing a completion has one
 * winner.
 */
abstract class ConcurrencyContract extends ContractFixtures {

  @Test
  void competingFetchersNeverReceiveTheSameJob() throws Exception {
    List<NewJob> jobs = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      jobs.add(job().priority(i % 3).build(now()));
    }
    List<Long> inserted = ids(store.jobInsertMany(new JobInsertManyParams(jobs, now())));

    List<List<JobInfo>> byThread =
        concurrently(
            8,
            thread -> {
              List<JobInfo> claimed = new ArrayList<>();
              while (true) {
                List<JobInfo> batch = fetchAs("node-" + thread, QUEUE, 7);
                if (batch.isEmpty()) {
                  return claimed;
                }
                assertThat(batch.size()).isLessThanOrEqualTo(7);
                claimed.addAll(batch);
              }
            });

    List<Long> claimed = new ArrayList<>();
    for (int thread = 0; thread < byThread.size(); thread++) {
      for (JobInfo job : byThread.get(thread)) {
        claimed.add(job.id());
        assertThat(job.state()).isEqualTo(RUNNING);
        assertThat(job.attempt()).isEqualTo(1);
        assertThat(job.leaseOwner()).isEqualTo("node-" + thread);
        assertThat(get(job.id()).leaseOwner()).isEqualTo("node-" + thread);
      }
    }
    assertThat(claimed).doesNotHaveDuplicates();
    assertThat(claimed).containsExactlyInAnyOrderElementsOf(inserted);
    assertThat(counts(QUEUE)).isEqualTo(Map.of(RUNNING, 5_000L));
  }

  @Test
  void concurrentInsertsGetUniqueIncreasingIds() throws Exception {
    List<List<Long>> byThread =
        concurrently(
            8,
            thread -> {
              List<Long> mine = new ArrayList<>();
              for (int call = 0; call < 25; call++) {
                JobSpec[] specs = new JobSpec[10];
                Arrays.fill(specs, job().kind("t" + thread));
                List<Long> batch = ids(insert(specs));
                assertStrictlyIncreasing(batch);
                mine.addAll(batch);
              }
              return mine;
            });

    List<Long> all = byThread.stream().flatMap(List::stream).toList();
    assertThat(all).hasSize(2_000).doesNotHaveDuplicates();
    assertThat(byThread).allSatisfy(ContractFixtures::assertStrictlyIncreasing);
    assertThat(ids(listAll(JobQuery.all())))
        .containsExactlyElementsOf(all.stream().sorted().toList());
    for (int thread = 0; thread < 8; thread++) {
      assertThat(ids(listAll(JobQuery.all().withKind("t" + thread))))
          .containsExactlyElementsOf(byThread.get(thread));
    }
    assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, 2_000L));
  }

  @Test
  void producersAndConsumersRunEveryJobExactlyOnce() throws Exception {
    int producers = 4;
    CountDownLatch produced = new CountDownLatch(producers);
    Map<Long, Integer> completions = new ConcurrentHashMap<>();
    List<List<Long>> byThread =
        concurrently(
            8,
            thread -> {
              List<Long> mine = new ArrayList<>();
              if (thread < producers) {
                try {
                  for (int call = 0; call < 50; call++) {
                    mine.addAll(ids(insert(job(), job(), job(), job(), job())));
                  }
                } finally {
                  produced.countDown();
                }
                return mine;
              }
              while (true) {
                boolean done = produced.getCount() == 0;
                List<JobInfo> batch = fetchAs("node-" + thread, QUEUE, 10);
                if (batch.isEmpty()) {
                  if (done) {
                    return mine;
                  }
                  Thread.yield();
                  continue;
                }
                Set<Long> applied =
                    finish(
                        batch.stream()
                            .map(j -> (JobFinish) new JobFinish.Completed(ref(j), now()))
                            .toArray(JobFinish[]::new));
                assertThat(applied).containsExactlyInAnyOrderElementsOf(ids(batch));
                applied.forEach(id -> completions.merge(id, 1, Integer::sum));
              }
            });

    List<Long> inserted = byThread.subList(0, producers).stream().flatMap(List::stream).toList();
    assertThat(inserted).hasSize(1_000).doesNotHaveDuplicates();
    assertThat(completions.keySet()).containsExactlyInAnyOrderElementsOf(inserted);
    assertThat(completions.values()).containsOnly(1);
    assertThat(counts(QUEUE)).isEqualTo(Map.of(COMPLETED, 1_000L));
  }

  @Test
  void cancelRacingCompletionHasExactlyOneWinner() throws Exception {
    List<JobInfo> jobs = runningJobs(300);
    // Both threads meet before each job, so that every job is contended.
    CyclicBarrier meet = new CyclicBarrier(2);

    List<Set<Long>> results =
        concurrently(
            2,
            thread -> {
              Set<Long> won = new HashSet<>();
              for (JobInfo job : jobs) {
                meet.await(PATIENCE.toSeconds(), SECONDS);
                if (thread == 0) {
                  won.addAll(finish(new JobFinish.Completed(ref(job), at(1))));
                } else {
                  JobInfo after =
                      store.jobCancel(new JobCancelParams(job.id(), at(1), "race")).orElseThrow();
                  if (after.state() == CANCELLED) {
                    won.add(job.id());
                  }
                }
              }
              return won;
            });

    Set<Long> completed = results.get(0);
    Set<Long> cancelled = results.get(1);
    assertThat(intersection(completed, cancelled)).isEmpty();
    assertThat(completed.size() + cancelled.size()).isEqualTo(jobs.size());
    for (JobInfo job : jobs) {
      JobInfo after = get(job.id());
      assertThat(after.state()).isEqualTo(completed.contains(job.id()) ? COMPLETED : CANCELLED);
      assertThat(after.errors()).hasSize(completed.contains(job.id()) ? 0 : 1);
    }
  }

  @Test
  void rescueRacingCompletionHasExactlyOneWinner() throws Exception {
    List<JobInfo> jobs = runningJobs(300);
    Instant late = at(1_000);
    CyclicBarrier meet = new CyclicBarrier(2);

    List<Set<Long>> results =
        concurrently(
            2,
            thread -> {
              Set<Long> won = new HashSet<>();
              for (JobInfo job : jobs) {
                meet.await(PATIENCE.toSeconds(), SECONDS);
                if (thread == 0) {
                  won.addAll(finish(new JobFinish.Completed(ref(job), late)));
                } else {
                  JobRescueResult rescued = store.jobRescueExpired(new JobRescueParams(late, 1));
                  assertThat(rescued.discarded()).isEmpty();
                  won.addAll(rescued.retryable());
                }
              }
              if (thread == 1) {
                JobRescueResult rest = rescue();
                assertThat(rest.discarded()).isEmpty();
                won.addAll(rest.retryable());
              }
              return won;
            });

    Set<Long> completed = results.get(0);
    Set<Long> rescued = results.get(1);
    assertThat(intersection(completed, rescued)).isEmpty();
    assertThat(completed.size() + rescued.size()).isEqualTo(jobs.size());
    for (JobInfo job : jobs) {
      JobInfo after = get(job.id());
      assertThat(after.state()).isEqualTo(completed.contains(job.id()) ? COMPLETED : RETRYABLE);
      assertThat(after.errors()).hasSize(completed.contains(job.id()) ? 0 : 1);
    }
  }

  private List<JobInfo> runningJobs(int count) {
    JobSpec[] specs = new JobSpec[count];
    Arrays.fill(specs, job());
    List<JobInfo> jobs = fetch(QUEUE, count, insert(specs));
    assertThat(jobs).hasSize(count);
    return jobs;
  }

  private static Set<Long> intersection(Set<Long> a, Set<Long> b) {
    Set<Long> both = new HashSet<>(a);
    both.retainAll(b);
    return both;
  }
}
