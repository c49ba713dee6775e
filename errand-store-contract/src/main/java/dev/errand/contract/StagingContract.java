package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.JobInfo;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Staging, an area of the {@link StoreContract}: scheduled and retryable jobs become available at
 * their time and not before, up to a limit, counted per queue.
 */
abstract class StagingContract extends ContractFixtures {

  @Test
  void aScheduledJobBecomesAvailableAtItsTimeNotBefore() {
    long id = insertOne(job().scheduledAt(at(60)));
    JobInfo scheduled = get(id);

    clock.set(at(59));
    assertThat(stage().stagedByQueue()).isEmpty();
    assertThat(get(id)).isEqualTo(scheduled);

    clock.set(at(60));
    JobStageResult result = stage();

    assertThat(result.stagedByQueue()).isEqualTo(Map.of(QUEUE, 1));
    assertThat(result.total()).isEqualTo(1);
    assertThat(get(id)).isEqualTo(edit(scheduled).state(AVAILABLE).build());
  }

  @Test
  void aRetryableJobBecomesAvailableAtItsRetryTimeNotBefore() {
    JobInfo retryable = retryable(job(), at(30));

    clock.set(at(29));
    assertThat(stage().total()).isZero();
    assertThat(get(retryable.id())).isEqualTo(retryable);

    clock.set(at(45));
    assertThat(stage().stagedByQueue()).isEqualTo(Map.of(QUEUE, 1));
    assertThat(get(retryable.id())).isEqualTo(edit(retryable).state(AVAILABLE).build());
    assertThat(fetchOnly(QUEUE, retryable.id()).attempt()).isEqualTo(2);
  }

  @Test
  void stagingRespectsItsLimit() {
    insert(
        job().scheduledAt(at(1)),
        job().scheduledAt(at(2)),
        job().scheduledAt(at(3)),
        job().scheduledAt(at(4)),
        job().scheduledAt(at(5)));
    clock.set(at(10));

    assertThat(store.jobStage(new JobStageParams(now(), 2)).total()).isEqualTo(2);
    assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, 2L, SCHEDULED, 3L));
    assertThat(store.jobStage(new JobStageParams(now(), 2)).total()).isEqualTo(2);
    assertThat(store.jobStage(new JobStageParams(now(), 2)).total()).isEqualTo(1);
    assertThat(store.jobStage(new JobStageParams(now(), 2)).total()).isZero();
    assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, 5L));
  }

  @Test
  void theResultCountsTheStagedJobsPerQueue() {
    insert(
        job().queue("a").scheduledAt(at(10)),
        job().queue("b").scheduledAt(at(20)),
        job().queue("a").scheduledAt(at(30)),
        job().queue("c").scheduledAt(at(31)));
    retryable(job().queue("b"), at(25));
    clock.set(at(30));

    JobStageResult result = stage();

    assertThat(result.stagedByQueue()).isEqualTo(Map.of("a", 2, "b", 2));
    assertThat(result.total()).isEqualTo(4);
    assertThat(counts("c")).isEqualTo(Map.of(SCHEDULED, 1L));
  }

  @Test
  void stagingLeavesEveryOtherStateAlone() {
    long available = insertOne(job().queue("available"));
    long running = running(job().queue("running")).id();
    long completed = completed(job().queue("completed")).id();
    long discarded = discarded(job().queue("discarded")).id();
    long cancelled = cancelled(job().queue("cancelled")).id();
    List<Long> ids = List.of(available, running, completed, discarded, cancelled);
    List<JobInfo> before = ids.stream().map(this::get).toList();
    clock.set(at(10_000));

    assertThat(stage().stagedByQueue()).isEmpty();

    assertThat(ids.stream().map(this::get).toList()).isEqualTo(before);
  }

  @Test
  void stagedJobsAreFetchedInOrderOfPriorityThenRunTime() {
    long late = insertOne(job().priority(1).scheduledAt(at(20)));
    long early = insertOne(job().priority(1).scheduledAt(at(10)));
    long urgent = insertOne(job().priority(0).scheduledAt(at(30)));
    long low = insertOne(job().priority(4).scheduledAt(at(5)));
    clock.set(at(30));
    stage();

    assertThat(ids(fetch(QUEUE, 10))).containsExactly(urgent, early, late, low);
  }
}
