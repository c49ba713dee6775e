package dev.errand.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.JobQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prune, an area of the {@link StoreContract}: final jobs finalized before their state's cut-off
 * are deleted, at most a limit per call; no other job ever is.
 */
abstract class PruneContract extends ContractFixtures {

  @Test
  void deletesFinalJobsFinalizedBeforeTheirStatesCutOff() {
    clock.set(at(10));
    long completed = completed(job()).id();
    long discarded = discarded(job()).id();
    long cancelled = cancelled(job()).id();
    assertThat(List.of(completed, discarded, cancelled))
        .allSatisfy(id -> assertThat(get(id).finalizedAt()).isEqualTo(at(10)));

    assertThat(prune(at(11), at(10), at(5), 100)).isEqualTo(1);
    assertThat(store.jobGet(completed)).isEmpty();
    assertThat(store.jobGet(discarded)).as("finalized at, not before, its cut-off").isPresent();
    assertThat(store.jobGet(cancelled)).isPresent();

    assertThat(prune(at(11), at(11), at(10), 100)).isEqualTo(1);
    assertThat(store.jobGet(discarded)).isEmpty();
    assertThat(store.jobGet(cancelled)).isPresent();

    assertThat(prune(at(0), at(0), at(11), 100)).isEqualTo(1);
    assertThat(store.jobGet(cancelled)).isEmpty();
    assertThat(store.jobList(JobQuery.all())).isEmpty();
  }

  @Test
  void eachStateHasItsOwnCutOff() {
    clock.set(at(10));
    long completed = completed(job()).id();
    long discarded = discarded(job()).id();
    long cancelled = cancelled(job()).id();

    assertThat(prune(at(5), at(11), at(5), 100)).isEqualTo(1);

    assertThat(store.jobGet(discarded)).isEmpty();
    assertThat(ids(listAll(JobQuery.all()))).containsExactly(completed, cancelled);
  }

  @Test
  void deletesOnlyJobsPastTheCutOff() {
    List<Long> old = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      old.add(completed(job()).id());
    }
    clock.set(at(20));
    List<Long> recent = List.of(completed(job()).id(), completed(job()).id());

    assertThat(prune(at(15), at(15), at(15), 100)).isEqualTo(3);

    assertThat(ids(listAll(JobQuery.all()))).containsExactlyElementsOf(recent);
    assertThat(old).allSatisfy(id -> assertThat(store.jobGet(id)).isEmpty());
  }

  @Test
  void deletesAtMostLimitJobsPerCall() {
    for (int i = 0; i < 5; i++) {
      completed(job());
    }
    Instant later = at(100);

    assertThat(prune(later, later, later, 2)).isEqualTo(2);
    assertThat(store.jobList(JobQuery.all())).hasSize(3);
    assertThat(prune(later, later, later, 2)).isEqualTo(2);
    assertThat(prune(later, later, later, 2)).isEqualTo(1);
    assertThat(prune(later, later, later, 2)).isZero();
    assertThat(store.jobList(JobQuery.all())).isEmpty();
  }

  @Test
  void neverDeletesJobsThatAreNotFinal() {
    long scheduled = insertOne(job().scheduledAt(at(10)));
    long available = insertOne(job().queue("available"));
    long running = running(job().queue("running")).id();
    long retryable = retryable(job().queue("retryable"), at(5)).id();
    long completed = completed(job().queue("completed")).id();
    Instant farFuture = T0.plus(Duration.ofDays(3650));
    clock.set(farFuture);

    assertThat(prune(farFuture, farFuture, farFuture, 1_000)).isEqualTo(1);

    assertThat(store.jobGet(completed)).isEmpty();
    assertThat(ids(listAll(JobQuery.all())))
        .containsExactly(scheduled, available, running, retryable);
  }
}
