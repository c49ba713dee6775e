package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.CANCELLED;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.DISCARDED;
import static dev.errand.JobState.RETRYABLE;
import static dev.errand.JobState.RUNNING;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.JobInfo;
import dev.errand.JobState;
import dev.errand.QueueInfo;
import dev.errand.spi.JobFinish;
import dev.errand.spi.QueueListParams;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Queues, an area of the {@link StoreContract}: the queue list with each queue's count per state;
 * pause and resume, idempotent, even of a queue the store has never seen.
 */
abstract class QueuesContract extends ContractFixtures {

  @Test
  void anEmptyStoreHasNoQueues() {
    assertThat(store.queueList()).isEmpty();
  }

  @Test
  void listsEveryQueueByNameWithItsCountPerState() {
    insertOne(job().queue("b"));
    insertOne(job().queue("a").priority(5));
    insertOne(job().queue("a").priority(5));
    insertOne(job().queue("a").scheduledAt(at(60)));
    running(job().queue("a"));
    retryable(job().queue("a"), at(60));
    completed(job().queue("a"));
    discarded(job().queue("a"));
    cancelled(job().queue("a"));

    assertThat(store.queueList())
        .containsExactly(
            new QueueInfo(
                "a",
                false,
                Map.of(
                    AVAILABLE, 2L,
                    SCHEDULED, 1L,
                    RUNNING, 1L,
                    RETRYABLE, 1L,
                    COMPLETED, 1L,
                    DISCARDED, 1L,
                    CANCELLED, 1L)),
            new QueueInfo("b", false, Map.of(AVAILABLE, 1L)));
  }

  @Test
  void aListWhoseCountsAreWithinItsBoundIsExact() {
    // The helpers that fetch take the queue's first job: the ones that stay available come last.
    running(job().queue("a"));
    retryable(job().queue("a"), at(60));
    completed(job().queue("a"));
    completed(job().queue("a"));
    discarded(job().queue("a"));
    cancelled(job().queue("a"));
    insertOne(job().queue("b"));
    insertOne(job().queue("a"));
    insertOne(job().queue("a").scheduledAt(at(60)));
    store.queuePause("idle");

    assertThat(store.queueList(new QueueListParams(10))).isEqualTo(store.queueList());
  }

  @Test
  void pastItsBoundACountIsExactOrMarkedAsAnEstimate() {
    for (int i = 0; i < 6; i++) {
      completed(job().queue(i % 2 == 0 ? "a" : "b"));
    }
    running(job().queue("b"));
    for (int i = 0; i < 6; i++) {
      insertOne(job().queue("a"));
      insertOne(job().queue("a").scheduledAt(at(60)));
    }
    insertOne(job().queue("b"));

    List<QueueInfo> exact = store.queueList();
    List<QueueInfo> bounded = store.queueList(new QueueListParams(2));

    assertThat(bounded).extracting(QueueInfo::name).containsAll(names(exact));
    for (QueueInfo queue : exact) {
      QueueInfo counted =
          bounded.stream().filter(q -> q.name().equals(queue.name())).findFirst().orElseThrow();
      for (JobState state : JobState.values()) {
        if (!counted.isEstimated(state)) {
          assertThat(counted.count(state))
              .as(queue.name() + " " + state)
              .isEqualTo(queue.count(state));
        }
      }
    }
  }

  private static List<String> names(List<QueueInfo> queues) {
    return queues.stream().map(QueueInfo::name).toList();
  }

  @Test
  void pauseAndResumeShowInTheList() {
    insertOne(job().queue("a"));
    insertOne(job().queue("b"));

    store.queuePause("a");
    assertThat(store.queueList())
        .containsExactly(
            new QueueInfo("a", true, Map.of(AVAILABLE, 1L)),
            new QueueInfo("b", false, Map.of(AVAILABLE, 1L)));

    store.queueResume("a");
    assertThat(store.queueList())
        .containsExactly(
            new QueueInfo("a", false, Map.of(AVAILABLE, 1L)),
            new QueueInfo("b", false, Map.of(AVAILABLE, 1L)));
  }

  @Test
  void aPausedQueueWithoutJobsIsListedUntilResumed() {
    store.queuePause("idle");

    assertThat(store.queueList()).containsExactly(new QueueInfo("idle", true, Map.of()));

    store.queueResume("idle");

    assertThat(store.queueList()).isEmpty();
  }

  @Test
  void aQueueHoldingOnlyFinalJobsIsListedUntilTheyAreGone() {
    JobInfo done = completed(job().queue("a"));

    assertThat(store.queueList()).containsExactly(new QueueInfo("a", false, Map.of(COMPLETED, 1L)));

    assertThat(delete(done.id())).isTrue();
    assertThat(store.queueList()).isEmpty();
  }

  @Test
  void countsFollowTheJobsThroughTheirLife() {
    long id = insertOne(job().scheduledAt(at(10)));
    assertThat(counts(QUEUE)).isEqualTo(Map.of(SCHEDULED, 1L));
    clock.set(at(10));
    stage();
    assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, 1L));
    JobInfo job = fetchOnly(QUEUE, id);
    assertThat(counts(QUEUE)).isEqualTo(Map.of(RUNNING, 1L));
    finish(new JobFinish.Completed(ref(job), now()));
    assertThat(counts(QUEUE)).isEqualTo(Map.of(COMPLETED, 1L));
    assertThat(prune(at(11), at(11), at(11), 10)).isEqualTo(1);
    assertThat(store.queueList()).isEmpty();
  }

  @Test
  void pausingAPausedQueueAndResumingARunningOneAreHarmless() {
    insertOne(job().queue("a"));
    store.queueResume("a");
    store.queuePause("a");
    store.queuePause("a");

    assertThat(store.queueList()).containsExactly(new QueueInfo("a", true, Map.of(AVAILABLE, 1L)));
    assertThat(fetch("a", 10)).isEmpty();
  }

  @Test
  void aQueuePausedAheadOfItsJobsHoldsThemUntilResumed() {
    store.queuePause("early");
    assertThat(store.queueList()).containsExactly(new QueueInfo("early", true, Map.of()));

    long id = insertOne(job().queue("early"));
    assertThat(fetch("early", 10)).isEmpty();
    assertThat(store.queueList())
        .containsExactly(new QueueInfo("early", true, Map.of(AVAILABLE, 1L)));

    store.queueResume("early");
    assertThat(ids(fetch("early", 10))).containsExactly(id);
  }

  @Test
  void resumingAQueueTheStoreNeverSawChangesNothing() {
    store.queueResume("ghost");
    store.queueResume("ghost");

    assertThat(store.queueList()).isEmpty();
    long id = insertOne(job().queue("ghost"));
    assertThat(store.queueList())
        .containsExactly(new QueueInfo("ghost", false, Map.of(AVAILABLE, 1L)));
    assertThat(ids(fetch("ghost", 10))).as("not paused by the resume").containsExactly(id);
  }

  @Test
  void pausingTwiceAndResumingTwiceAreIdempotent() {
    store.queuePause("idle");
    store.queuePause("idle");
    assertThat(store.queueList()).containsExactly(new QueueInfo("idle", true, Map.of()));

    store.queueResume("idle");
    store.queueResume("idle");
    assertThat(store.queueList()).isEmpty();

    store.queuePause("idle");
    assertThat(store.queueList()).containsExactly(new QueueInfo("idle", true, Map.of()));
  }
}
