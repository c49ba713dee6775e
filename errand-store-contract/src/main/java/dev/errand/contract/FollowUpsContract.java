package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobFinish;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * FollowUps, an area of the {@link StoreContract}: follow-up jobs are written with their parent's
 * completion, and not at all if it is fenced out.
 */
abstract class FollowUpsContract extends ContractFixtures {

  @Test
  void anAppliedCompletionInsertsItsFollowUpsAtomically() {
    JobInfo parent = running(job());
    clock.set(at(5));

    Set<Long> applied =
        finish(
            new JobFinish.Completed(
                ref(parent),
                now(),
                List.of(
                    job().kind("child").build(now()),
                    job().kind("child").queue("b").build(now()))));

    assertThat(applied).containsExactly(parent.id());
    List<JobInfo> children = listAll(JobQuery.all().withKind("child"));
    assertThat(children).hasSize(2);
    assertThat(children)
        .allSatisfy(
            c -> {
              assertThat(c.state()).isEqualTo(AVAILABLE);
              assertThat(c.createdAt()).isEqualTo(at(5));
              assertThat(c.id()).isGreaterThan(parent.id());
            });
    assertThat(children).extracting(JobInfo::queue).containsExactly(QUEUE, "b");
    assertThat(get(parent.id()).state()).isEqualTo(COMPLETED);
  }

  @Test
  void aFencedOutCompletionInsertsNothing() {
    JobInfo parent = running(job());
    store.jobCancel(new JobCancelParams(parent.id(), now(), "stop"));

    Set<Long> applied =
        finish(
            new JobFinish.Completed(ref(parent), now(), List.of(job().kind("child").build(now()))));

    assertThat(applied).isEmpty();
    assertThat(listAll(JobQuery.all().withKind("child"))).isEmpty();
  }

  @Test
  void followUpsMayBeScheduled() {
    JobInfo parent = running(job());

    finish(
        new JobFinish.Completed(
            ref(parent), now(), List.of(job().kind("child").scheduledAt(at(60)).build(now()))));

    assertThat(listAll(JobQuery.all().withKind("child")))
        .singleElement()
        .satisfies(c -> assertThat(c.state()).isEqualTo(SCHEDULED));
  }
}
