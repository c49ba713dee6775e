package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.PENDING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.DependencyCounts;
import dev.errand.Enqueued;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.UnknownDependencyException;
import dev.errand.spi.Capability;
import dev.errand.spi.JobEdgesParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobInsertBatchParams;
import dev.errand.spi.NewJob;
import java.sql.Connection;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batches, an area of the {@link StoreContract}: a batch's callback becomes available once every
 * member ended, with their counts, exactly once. Needs {@code DEPENDENCIES}.
 */
abstract class BatchesContract extends ContractFixtures {

  @BeforeEach
  void requireDependencies() {
    assumeTrue(
        store.capabilities().contains(Capability.DEPENDENCIES),
        "the store does not declare DEPENDENCIES");
  }

  private List<Enqueued> insertBatch(NewJob callback, JobSpec... members) {
    List<NewJob> jobs = Arrays.stream(members).map(s -> s.build(now())).toList();
    return store.jobInsertBatch(new JobInsertBatchParams(jobs, callback, now()));
  }

  @Test
  void theCallbacksEdgesAreTheMembersNotEndedYet() {
    List<Enqueued> inserted = insertBatch(job().build(now()), job(), job(), job().queue("later"));
    List<Long> members = ids(inserted).subList(0, 3);
    long callbackId = inserted.get(3).id();

    assertThat(store.jobEdges(new JobEdgesParams(callbackId, 100)))
        .isEqualTo(new JobEdges(members, false, List.of(), false));
    for (long member : members) {
      assertThat(store.jobEdges(new JobEdgesParams(member, 100)))
          .isEqualTo(new JobEdges(List.of(), false, List.of(callbackId), false));
    }

    JobInfo first = fetchOnly("later", members.get(2));
    finish(new JobFinish.Completed(ref(first), now()));
    assertThat(store.jobEdges(new JobEdgesParams(callbackId, 1)))
        .isEqualTo(new JobEdges(members.subList(0, 1), true, List.of(), false));
  }

  @Test
  void theCallbackBecomesAvailableOnceEveryMemberEndedWithTheirCounts() {
    // The callback asks to be cancelled if a member fails; a batch's callback runs anyway.
    NewJob callback = job().kind("callback").build(now());
    List<Enqueued> inserted = insertBatch(callback, job(), job(), job(), job().queue("later"));

    assertThat(inserted).hasSize(5);
    assertThat(inserted.subList(0, 4)).allSatisfy(e -> assertThat(e.state()).isEqualTo(AVAILABLE));
    assertStrictlyIncreasing(ids(inserted));
    long callbackId = inserted.get(4).id();
    assertThat(inserted.get(4).state()).isEqualTo(PENDING);
    assertThat(get(callbackId).kind()).isEqualTo("callback");
    assertThat(get(callbackId).dependencies()).isEqualTo(new DependencyCounts(4, 0, 0, 0));

    List<JobInfo> running = fetch(QUEUE, 10);
    assertThat(running).hasSize(3);
    finish(
        new JobFinish.Completed(ref(running.get(0)), now()),
        new JobFinish.Failed(ref(running.get(1)), now(), failure(1, now()), null),
        new JobFinish.Cancelled(ref(running.get(2)), now(), failure(1, now())));
    assertThat(get(callbackId).state()).isEqualTo(PENDING);
    assertThat(fetch(QUEUE, 10)).isEmpty();

    JobInfo last = fetchOnly("later", inserted.get(3).id());
    finish(new JobFinish.Completed(ref(last), now()));

    JobInfo released = fetchOnly(QUEUE, callbackId);
    assertThat(released.dependencies()).isEqualTo(new DependencyCounts(0, 2, 1, 1));
  }

  @Test
  void aMemberWithAnUnknownDependencyStoresNothing() {
    assertThatThrownBy(() -> insertBatch(job().build(now()), job(), job().dependsOn(424_242)))
        .isInstanceOf(UnknownDependencyException.class)
        .hasMessageContaining("424242");

    assertThat(store.jobList(JobQuery.all())).isEmpty();
  }

  @Test
  void membersFinishedConcurrentlyReleaseExactlyOneCallback() throws Exception {
    int members = 400;
    JobSpec[] specs = new JobSpec[members];
    Arrays.fill(specs, job());
    List<Enqueued> inserted = insertBatch(job().queue("callback").build(now()), specs);
    long callbackId = inserted.get(members).id();

    List<Integer> finishedByThread =
        concurrently(
            4,
            thread -> {
              int finished = 0;
              while (true) {
                List<JobInfo> jobs = fetchAs("node-" + thread, QUEUE, 3);
                if (jobs.isEmpty()) {
                  return finished;
                }
                finish(
                    jobs.stream()
                        .map(j -> (JobFinish) new JobFinish.Completed(ref(j), now()))
                        .toArray(JobFinish[]::new));
                finished += jobs.size();
              }
            });

    assertThat(finishedByThread.stream().mapToInt(Integer::intValue).sum()).isEqualTo(members);
    assertThat(get(callbackId).dependencies()).isEqualTo(new DependencyCounts(0, members, 0, 0));
    assertThat(ids(fetch("callback", 10))).containsExactly(callbackId);
  }

  @Test
  void aBatchInsertedInARolledBackTransactionLeavesNothing() throws Exception {
    assumeTrue(
        store.capabilities().contains(Capability.TX_ENQUEUE),
        "the store does not declare TX_ENQUEUE");
    try (Connection c = openConnection()) {
      c.setAutoCommit(false);
      List<Enqueued> inserted =
          store.jobInsertBatch(
              c,
              new JobInsertBatchParams(
                  List.of(job().build(now()), job().build(now())), job().build(now()), now()));
      assertThat(inserted).hasSize(3);
      c.rollback();
    }

    assertThat(store.jobList(JobQuery.all())).isEmpty();
  }
}
