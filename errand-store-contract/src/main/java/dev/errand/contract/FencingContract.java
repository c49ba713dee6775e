package dev.errand.contract;

import static dev.errand.JobState.COMPLETED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.AttemptError;
import dev.errand.JobInfo;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobRef;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fencing, an area of the {@link StoreContract}: only the current attempt writes a result or
 * extends its lease; a heartbeat reports the jobs its owner no longer holds.
 */
abstract class FencingContract extends ContractFixtures {

  @Test
  void aStaleAttemptCannotWriteAnyResult() {
    long id = insertOne(job().maxAttempts(3));
    JobInfo first = fetchOnly(QUEUE, id);
    finish(new JobFinish.Failed(ref(first), at(1), failure(1, at(1)), at(1)));
    clock.set(at(1));
    stage();
    JobInfo second = fetchOnlyAs(OTHER_OWNER, QUEUE, id);
    assertThat(second.attempt()).isEqualTo(2);
    JobRef stale = ref(first);

    for (JobFinish result :
        List.<JobFinish>of(
            new JobFinish.Completed(stale, now()),
            new JobFinish.Failed(stale, now(), failure(1, now()), null),
            new JobFinish.Failed(stale, now(), failure(1, now()), at(100)),
            new JobFinish.Snoozed(stale, now(), at(100)),
            new JobFinish.Cancelled(stale, now(), AttemptError.of(1, now(), "cancelled", "x")),
            new JobFinish.Released(stale, now()))) {
      assertThat(finish(result)).as(result.toString()).isEmpty();
      assertThat(get(id)).as(result.toString()).isEqualTo(second);
    }

    assertThat(finish(new JobFinish.Completed(ref(second), now()))).containsExactly(id);
    assertThat(get(id).state()).isEqualTo(COMPLETED);
  }

  @Test
  void anAttemptThatHasNotStartedIsFencedToo() {
    JobInfo job = running(job());

    assertThat(finish(new JobFinish.Completed(new JobRef(job.id(), 2), now()))).isEmpty();

    assertThat(get(job.id())).isEqualTo(job);
  }

  @Test
  void onlyTheFirstResultOfAnAttemptIsWritten() {
    JobInfo job = running(job());
    finish(new JobFinish.Completed(ref(job), at(1)));
    JobInfo completed = get(job.id());

    assertThat(finish(new JobFinish.Failed(ref(job), at(2), failure(1, at(2)), at(3)))).isEmpty();
    assertThat(finish(new JobFinish.Released(ref(job), at(2)))).isEmpty();

    assertThat(get(job.id())).isEqualTo(completed);
  }

  @Test
  void aBatchWritesTheCurrentResultsAndSkipsTheFencedOnes() {
    JobInfo a = running(job());
    JobInfo b = running(job());
    store.jobCancel(new JobCancelParams(b.id(), now(), "stop"));
    JobInfo cancelled = get(b.id());

    Set<Long> applied =
        finish(new JobFinish.Completed(ref(a), at(1)), new JobFinish.Completed(ref(b), at(1)));

    assertThat(applied).containsExactly(a.id());
    assertThat(get(a.id()).state()).isEqualTo(COMPLETED);
    assertThat(get(b.id())).isEqualTo(cancelled);
  }

  @Test
  void heartbeatExtendsTheLeasesItHolds() {
    JobInfo a = running(job());
    JobInfo b = running(job());
    clock.set(at(20));

    assertThat(heartbeat(OWNER, at(80), ref(a), ref(b))).isEmpty();

    assertThat(get(a.id())).isEqualTo(edit(a).leaseExpiresAt(at(80)).heartbeatAt(at(20)).build());
    assertThat(get(b.id())).isEqualTo(edit(b).leaseExpiresAt(at(80)).heartbeatAt(at(20)).build());
  }

  @Test
  void heartbeatReportsTheJobsItNoLongerHolds() {
    JobInfo held = running(job());
    heartbeat(OWNER, at(100), ref(held));
    JobInfo heldBefore = get(held.id());
    JobInfo completed = running(job());
    finish(new JobFinish.Completed(ref(completed), now()));
    JobInfo cancelled = running(job());
    store.jobCancel(new JobCancelParams(cancelled.id(), now(), "stop"));
    JobInfo deleted = running(job());
    finish(new JobFinish.Completed(ref(deleted), now()));
    assertThat(delete(deleted.id())).isTrue();
    JobInfo released = running(job().maxAttempts(5));
    finish(new JobFinish.Released(ref(released), now()));
    JobInfo rescued = running(job().queue("short"));
    clock.set(at(31));
    assertThat(rescue().retryable()).containsExactly(rescued.id());
    JobInfo retaken = running(job().maxAttempts(5).queue("retaken"));
    finish(new JobFinish.Failed(ref(retaken), now(), failure(1, now()), now()));
    stage();
    JobInfo retakenByOther = fetchOnlyAs(OTHER_OWNER, "retaken", retaken.id());
    long unknown = retaken.id() + 1_000;

    Set<Long> lost =
        heartbeat(
            OWNER,
            at(90),
            ref(held),
            ref(completed),
            ref(cancelled),
            ref(deleted),
            ref(released),
            ref(rescued),
            ref(retaken),
            new JobRef(unknown, 1));

    assertThat(lost)
        .containsExactlyInAnyOrder(
            completed.id(),
            cancelled.id(),
            deleted.id(),
            released.id(),
            rescued.id(),
            retaken.id(),
            unknown);
    assertThat(get(held.id()))
        .isEqualTo(edit(heldBefore).leaseExpiresAt(at(90)).heartbeatAt(at(31)).build());
    assertThat(get(retaken.id())).as("the new holder's lease").isEqualTo(retakenByOther);
  }

  @Test
  void heartbeatFromAnotherOwnerIsReportedLostAndLeavesTheLease() {
    JobInfo job = running(job());

    assertThat(heartbeat(OTHER_OWNER, at(300), ref(job))).containsExactly(job.id());

    assertThat(get(job.id())).isEqualTo(job);
  }
}
