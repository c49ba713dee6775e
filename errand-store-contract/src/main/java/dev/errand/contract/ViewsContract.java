package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.CANCELLED;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.DISCARDED;
import static dev.errand.JobState.RETRYABLE;
import static dev.errand.JobState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.AttemptError;
import dev.errand.JobInfo;
import dev.errand.JobOrder;
import dev.errand.JobQuery;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobRetryParams;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Views, an area of the {@link StoreContract}: get, list (filters and pages), cancel, retry and
 * delete, one job at a time.
 */
abstract class ViewsContract extends ContractFixtures {

  @Test
  void getReturnsEmptyForAnUnknownId() {
    long id = insertOne(job());

    assertThat(store.jobGet(id + 1)).isEmpty();
    assertThat(store.jobGet(0)).isEmpty();
    assertThat(store.jobGet(-1)).isEmpty();
  }

  @Test
  void listFiltersByStateQueueAndKindInAscendingIdOrder() {
    long j1 = insertOne(job().kind("a").queue("q1").priority(5));
    long j2 = insertOne(job().kind("b").queue("q1").scheduledAt(at(60)));
    long j3 = insertOne(job().kind("a").queue("q2").priority(5));
    long j4 = running(job().kind("a").queue("q1").priority(0)).id();
    long j5 = completed(job().kind("b").queue("q2").priority(0)).id();

    assertThat(ids(store.jobList(JobQuery.all()))).containsExactly(j1, j2, j3, j4, j5);
    assertThat(ids(store.jobList(JobQuery.all().withStates(AVAILABLE)))).containsExactly(j1, j3);
    assertThat(ids(store.jobList(JobQuery.all().withStates(AVAILABLE, RUNNING))))
        .containsExactly(j1, j3, j4);
    assertThat(ids(store.jobList(JobQuery.all().withQueue("q1")))).containsExactly(j1, j2, j4);
    assertThat(ids(store.jobList(JobQuery.all().withKind("b")))).containsExactly(j2, j5);
    assertThat(
            ids(
                store.jobList(
                    JobQuery.all().withKind("a").withQueue("q1").withStates(AVAILABLE, RUNNING))))
        .containsExactly(j1, j4);
    assertThat(store.jobList(JobQuery.all().withQueue("q3"))).isEmpty();
    assertThat(store.jobList(JobQuery.all().withStates(RETRYABLE))).isEmpty();
  }

  @Test
  void listFiltersByTagMetadataAndArgsPathsAllAtOnce() {
    long paris =
        insertOne(
            job()
                .args(
                    "{\"account\":42,\"address\":{\"city\":\"Paris\",\"zip\":\"75001\"},\"vip\":true}")
                .tags("import", "eu")
                .metadata(Map.of("request", "r-1")));
    long lyon =
        insertOne(
            job()
                .args("{\"account\":42,\"address\":{\"city\":\"Lyon\"},\"amount\":42.50}")
                .tags("import")
                .metadata(Map.of("request", "r-2")));
    long text42 = insertOne(job().args("{\"account\":\"42\",\"address\":\"Paris\"}"));
    insertOne(job().args("{\"account\":7,\"address\":{\"city\":null}}"));
    insertOne(job().args("[42,\"Paris\"]"));

    assertThat(ids(store.jobList(JobQuery.all().withTag("import")))).containsExactly(paris, lyon);
    assertThat(ids(store.jobList(JobQuery.all().withTag("eu")))).containsExactly(paris);
    assertThat(ids(store.jobList(JobQuery.all().withTag("none")))).isEmpty();
    assertThat(ids(store.jobList(JobQuery.all().withMetadata("request", "r-2"))))
        .containsExactly(lyon);
    assertThat(ids(store.jobList(JobQuery.all().withMetadata("request", "r-3")))).isEmpty();
    // A number and a string of the same text match alike: the value is compared as text.
    assertThat(ids(store.jobList(JobQuery.all().withArg("account", "42"))))
        .containsExactly(paris, lyon, text42);
    assertThat(ids(store.jobList(JobQuery.all().withArg("address.city", "Paris"))))
        .containsExactly(paris);
    assertThat(
            ids(
                store.jobList(
                    JobQuery.all().withArg("account", "42").withArg("address.city", "Lyon"))))
        .containsExactly(lyon);
    assertThat(ids(store.jobList(JobQuery.all().withArg("amount", "42.50")))).containsExactly(lyon);
    assertThat(ids(store.jobList(JobQuery.all().withArg("vip", "true")))).containsExactly(paris);
    // A path to null, an object, past a string, or nowhere matches nothing.
    assertThat(ids(store.jobList(JobQuery.all().withArg("address.city", "null")))).isEmpty();
    assertThat(ids(store.jobList(JobQuery.all().withArg("address", "Paris"))))
        .containsExactly(text42);
    assertThat(ids(store.jobList(JobQuery.all().withArg("address.city.x", "Paris")))).isEmpty();
    assertThat(ids(store.jobList(JobQuery.all().withArg("missing", "42")))).isEmpty();
    assertThat(
            ids(
                store.jobList(
                    JobQuery.all()
                        .withTag("import")
                        .withMetadata("request", "r-1")
                        .withArg("address.zip", "75001"))))
        .containsExactly(paris);
    assertThat(ids(store.jobList(JobQuery.all().withArg("account", "42").withLimit(2))))
        .containsExactly(paris, lyon);
    assertThat(
            ids(
                store.jobList(
                    JobQuery.all()
                        .withArg("account", "42")
                        .withAfterId(lyon)
                        .withStates(AVAILABLE))))
        .containsExactly(text42);
  }

  @Test
  void listKeepsToAWindowOfIds() {
    long first = insertOne(job());
    long second = insertOne(job().args("{\"n\":1}"));
    long third = running(job().queue("elsewhere")).id();
    long fourth = insertOne(job().args("{\"n\":1}"));
    insertOne(job().args("{\"n\":1}"));

    assertThat(ids(store.jobList(JobQuery.all().withAfterId(first).withIdsUpTo(fourth))))
        .containsExactly(second, third, fourth);
    assertThat(ids(store.jobList(JobQuery.all().withArg("n", "1").withIdsUpTo(fourth))))
        .containsExactly(second, fourth);
    assertThat(ids(store.jobList(JobQuery.all().withStates(RUNNING).withIdsUpTo(third))))
        .containsExactly(third);
    assertThat(ids(store.jobList(JobQuery.all().withStates(RUNNING).withIdsUpTo(second))))
        .isEmpty();
    assertThat(ids(store.jobList(JobQuery.all().withAfterId(second).withIdsUpTo(second))))
        .isEmpty();
  }

  @Test
  void listsNewestFirstAndPagesDownWithTheKeyset() {
    long first = insertOne(job().args("{\"n\":1}"));
    // Each job to run in a queue of its own, which has no older job for the fetch to take.
    long second = running(job().queue("r2").args("{\"n\":1}")).id();
    long third = completed(job().queue("elsewhere")).id();
    long fourth = insertOne(job().args("{\"n\":1}"));
    long fifth = running(job().queue("r5")).id();
    long sixth = completed(job().queue("c6").args("{\"n\":1}")).id();
    long seventh = insertOne(job());
    JobQuery newest = JobQuery.all().withOrder(JobOrder.NEWEST_FIRST);

    assertThat(ids(store.jobList(newest)))
        .containsExactly(seventh, sixth, fifth, fourth, third, second, first);
    List<Long> ascending = ids(store.jobList(JobQuery.all()));
    for (JobQuery query :
        List.of(
            JobQuery.all(),
            JobQuery.all().withStates(AVAILABLE, RUNNING),
            JobQuery.all().withStates(RUNNING, COMPLETED).withArg("n", "1"),
            JobQuery.all().withQueue("elsewhere"))) {
      List<Long> walked = new ArrayList<>();
      JobQuery page = query.withOrder(JobOrder.NEWEST_FIRST).withLimit(2);
      while (true) {
        List<JobInfo> jobs = store.jobList(page);
        walked.addAll(ids(jobs));
        if (jobs.size() < 2) {
          break;
        }
        page = page.withAfterId(jobs.get(jobs.size() - 1).id());
      }
      List<Long> expected = new ArrayList<>(ids(store.jobList(query)));
      Collections.reverse(expected);
      assertThat(walked).as("%s", query).containsExactlyElementsOf(expected);
    }
    assertThat(ascending).containsExactly(first, second, third, fourth, fifth, sixth, seventh);
    assertThat(ids(store.jobList(newest.withStates(RUNNING, COMPLETED))))
        .containsExactly(sixth, fifth, third, second);
    assertThat(ids(store.jobList(newest.withStates(RUNNING).withAfterId(fifth))))
        .containsExactly(second);
    assertThat(ids(store.jobList(newest.withArg("n", "1").withLimit(3))))
        .containsExactly(sixth, fourth, second);

    // A window newest first: ids below afterId, down to upToId.
    assertThat(ids(store.jobList(newest.withAfterId(seventh).withIdsUpTo(third))))
        .containsExactly(sixth, fifth, fourth, third);
    assertThat(ids(store.jobList(newest.withArg("n", "1").withAfterId(sixth).withIdsUpTo(second))))
        .containsExactly(fourth, second);
    assertThat(ids(store.jobList(newest.withStates(RUNNING).withIdsUpTo(fifth))))
        .containsExactly(fifth);
    assertThat(ids(store.jobList(newest.withStates(RUNNING).withIdsUpTo(sixth)))).isEmpty();
    assertThat(ids(store.jobList(newest.withAfterId(second).withIdsUpTo(second)))).isEmpty();
    assertThat(ids(store.jobList(newest.withAfterId(first)))).isEmpty();
  }

  @Test
  void anArgsValueMatchesHoweverTheJsonEscapesIt() {
    long escaped =
        insertOne(
            job()
                .args(
                    "{\"path\":\"a\\/b\",\"quote\":\"say \\\"hi\\\"\",\"city\":\"Z\\u00fcrich\","
                        + "\"tab\":\"a\\tb\",\"html\":\"\\u003cb\\u003e\",\"n\":42}"));
    insertOne(job().args("{\"path\":\"a/c\",\"quote\":\"say hi\",\"city\":\"Zurich\",\"n\":420}"));

    assertThat(ids(store.jobList(JobQuery.all().withArg("path", "a/b")))).containsExactly(escaped);
    assertThat(ids(store.jobList(JobQuery.all().withArg("quote", "say \"hi\""))))
        .containsExactly(escaped);
    assertThat(ids(store.jobList(JobQuery.all().withArg("city", "Zürich"))))
        .containsExactly(escaped);
    assertThat(ids(store.jobList(JobQuery.all().withArg("tab", "a\tb")))).containsExactly(escaped);
    assertThat(ids(store.jobList(JobQuery.all().withArg("html", "<b>")))).containsExactly(escaped);
    assertThat(ids(store.jobList(JobQuery.all().withArg("n", "42")))).containsExactly(escaped);
  }

  @Test
  void listReturnsTheSameSnapshotsAsGet() {
    insertOne(job().tags("t").metadata(Map.of("k", "v")));
    running(job().queue("r"));
    retryable(job().queue("x"), at(40));

    List<JobInfo> listed = store.jobList(JobQuery.all());

    assertThat(listed).hasSize(3);
    assertThat(listed).allSatisfy(j -> assertThat(get(j.id())).isEqualTo(j));
  }

  @Test
  void listPagesWithAfterId() {
    List<Long> q1 = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      q1.add(insertOne(job().queue("q1")));
      insertOne(job().queue("q2"));
    }
    JobQuery query = JobQuery.all().withQueue("q1").withLimit(3);

    List<JobInfo> page1 = store.jobList(query);
    List<JobInfo> page2 = store.jobList(query.withAfterId(page1.get(2).id()));
    List<JobInfo> page3 = store.jobList(query.withAfterId(page2.get(2).id()));
    List<JobInfo> page4 = store.jobList(query.withAfterId(page3.get(0).id()));

    assertThat(ids(page1)).containsExactlyElementsOf(q1.subList(0, 3));
    assertThat(ids(page2)).containsExactlyElementsOf(q1.subList(3, 6));
    assertThat(ids(page3)).containsExactlyElementsOf(q1.subList(6, 7));
    assertThat(page4).isEmpty();
    assertThat(ids(store.jobList(JobQuery.all().withAfterId(q1.get(6))))).hasSize(1);
  }

  @Test
  void cancelMakesAnAvailableJobFinal() {
    long id = insertOne(job());
    JobInfo before = get(id);
    clock.set(at(5));

    Optional<JobInfo> result = store.jobCancel(new JobCancelParams(id, now(), "not needed"));

    JobInfo after = get(id);
    assertThat(result).contains(after);
    assertThat(after)
        .isEqualTo(edit(before).state(CANCELLED).finalizedAt(at(5)).errors(after.errors()).build());
    assertCancelReason(after.errors(), at(5), "not needed");
    assertThat(fetch(QUEUE, 10)).isEmpty();
  }

  @Test
  void cancelMakesAScheduledJobFinalAndItIsNeverStaged() {
    long id = insertOne(job().scheduledAt(at(60)));
    clock.set(at(5));

    JobInfo after = store.jobCancel(new JobCancelParams(id, now(), "changed plans")).orElseThrow();

    assertThat(after.state()).isEqualTo(CANCELLED);
    assertThat(after.finalizedAt()).isEqualTo(at(5));
    assertCancelReason(after.errors(), at(5), "changed plans");
    clock.set(at(60));
    assertThat(stage().total()).isZero();
    assertThat(fetch(QUEUE, 10)).isEmpty();
    assertThat(get(id)).isEqualTo(after);
  }

  @Test
  void cancelMakesARetryableJobFinalKeepingItsErrors() {
    JobInfo retryable = retryable(job(), at(60));
    clock.set(at(5));

    JobInfo after =
        store.jobCancel(new JobCancelParams(retryable.id(), now(), "give up")).orElseThrow();

    assertThat(after.state()).isEqualTo(CANCELLED);
    assertThat(after.attempt()).isEqualTo(1);
    assertThat(after.finalizedAt()).isEqualTo(at(5));
    assertThat(after.errors()).hasSize(2);
    assertThat(after.errors().get(0)).isEqualTo(retryable.errors().get(0));
    assertCancelReason(after.errors().subList(1, 2), at(5), "give up");
    clock.set(at(60));
    assertThat(stage().total()).isZero();
  }

  @Test
  void cancelOfARunningJobFencesOutItsHolder() {
    JobInfo job = running(job());
    clock.set(at(5));

    JobInfo after = store.jobCancel(new JobCancelParams(job.id(), now(), "stop it")).orElseThrow();

    assertThat(after)
        .isEqualTo(
            edit(job).state(CANCELLED).finalizedAt(at(5)).noLease().errors(after.errors()).build());
    assertCancelReason(after.errors(), at(5), "stop it");
    assertThat(heartbeat(OWNER, at(100), ref(job))).containsExactly(job.id());
    assertThat(finish(new JobFinish.Completed(ref(job), at(6)))).isEmpty();
    clock.set(at(1_000));
    assertThat(rescue().count()).isZero();
    assertThat(get(job.id())).isEqualTo(after);
  }

  @Test
  void cancelLeavesAFinalJobAsItIs() {
    JobInfo completed = completed(job());
    JobInfo discarded = discarded(job());
    JobInfo cancelled = cancelled(job());
    clock.set(at(5));

    for (JobInfo job : List.of(completed, discarded, cancelled)) {
      assertThat(store.jobCancel(new JobCancelParams(job.id(), now(), "again"))).contains(job);
      assertThat(get(job.id())).isEqualTo(job);
    }
  }

  @Test
  void cancelOfAnUnknownJobIsEmpty() {
    assertThat(store.jobCancel(new JobCancelParams(42, now(), "none"))).isEmpty();
    assertThat(store.jobList(JobQuery.all())).isEmpty();
  }

  @Test
  void retryOfAJobDiscardedAtItsLastAttemptGivesItOneMore() {
    long id = insertOne(job().maxAttempts(2));
    JobInfo first = fetchOnly(QUEUE, id);
    AttemptError e1 = failure(1, at(1));
    finish(new JobFinish.Failed(ref(first), at(1), e1, at(1)));
    clock.set(at(1));
    stage();
    JobInfo second = fetchOnly(QUEUE, id);
    AttemptError e2 = failure(2, at(2));
    finish(new JobFinish.Failed(ref(second), at(2), e2, null));
    JobInfo discarded = get(id);
    assertThat(discarded.state()).isEqualTo(DISCARDED);
    clock.set(at(100));

    JobInfo retried = store.jobRetry(new JobRetryParams(id, now())).orElseThrow();

    assertThat(retried)
        .isEqualTo(
            edit(discarded)
                .state(AVAILABLE)
                .scheduledAt(at(100))
                .finalizedAt(null)
                .maxAttempts(3)
                .build());
    assertThat(retried.attempt()).isEqualTo(2);
    assertThat(retried.errors()).containsExactly(ending(first, e1), ending(second, e2));
    assertThat(get(id)).isEqualTo(retried);
    JobInfo third = fetchOnly(QUEUE, id);
    assertThat(third.attempt()).isEqualTo(3);
    assertThat(third.maxAttempts()).isEqualTo(3);
  }

  @Test
  void retryOfAJobDiscardedWithAttemptsLeftKeepsItsMaxAttempts() {
    JobInfo discarded = discarded(job().maxAttempts(5));
    clock.set(at(100));

    JobInfo retried = store.jobRetry(new JobRetryParams(discarded.id(), now())).orElseThrow();

    assertThat(retried)
        .isEqualTo(edit(discarded).state(AVAILABLE).scheduledAt(at(100)).finalizedAt(null).build());
    assertThat(retried.maxAttempts()).isEqualTo(5);
  }

  @Test
  void retryOfACancelledJobMakesItAvailable() {
    JobInfo cancelled = cancelled(job().maxAttempts(3));
    clock.set(at(100));

    JobInfo retried = store.jobRetry(new JobRetryParams(cancelled.id(), now())).orElseThrow();

    assertThat(retried)
        .isEqualTo(edit(cancelled).state(AVAILABLE).scheduledAt(at(100)).finalizedAt(null).build());
    assertThat(fetchOnly(QUEUE, cancelled.id()).attempt()).isEqualTo(1);
  }

  @Test
  void retryOfACompletedJobRunsItAgain() {
    JobInfo completed = completed(job().maxAttempts(3));
    JobInfo completedAtLast = completed(job().maxAttempts(1).queue("last"));
    clock.set(at(100));

    JobInfo retried = store.jobRetry(new JobRetryParams(completed.id(), now())).orElseThrow();
    JobInfo retriedLast =
        store.jobRetry(new JobRetryParams(completedAtLast.id(), now())).orElseThrow();

    assertThat(retried)
        .isEqualTo(edit(completed).state(AVAILABLE).scheduledAt(at(100)).finalizedAt(null).build());
    assertThat(retriedLast)
        .isEqualTo(
            edit(completedAtLast)
                .state(AVAILABLE)
                .scheduledAt(at(100))
                .finalizedAt(null)
                .maxAttempts(2)
                .build());
    assertThat(fetchOnly(QUEUE, completed.id()).attempt()).isEqualTo(2);
  }

  @Test
  void retryOfAWaitingJobRunsItNow() {
    JobInfo retryable = retryable(job().queue("r"), at(600));
    long scheduled = insertOne(job().queue("s").scheduledAt(at(600)));
    JobInfo scheduledBefore = get(scheduled);
    clock.set(at(10));

    JobInfo retriedRetryable =
        store.jobRetry(new JobRetryParams(retryable.id(), now())).orElseThrow();
    JobInfo retriedScheduled = store.jobRetry(new JobRetryParams(scheduled, now())).orElseThrow();

    assertThat(retriedRetryable)
        .isEqualTo(edit(retryable).state(AVAILABLE).scheduledAt(at(10)).build());
    assertThat(retriedScheduled)
        .isEqualTo(edit(scheduledBefore).state(AVAILABLE).scheduledAt(at(10)).build());
    assertThat(ids(fetch("r", 10))).containsExactly(retryable.id());
    assertThat(ids(fetch("s", 10))).containsExactly(scheduled);
  }

  @Test
  void retryLeavesARunningJobAsItIs() {
    JobInfo job = running(job());

    assertThat(store.jobRetry(new JobRetryParams(job.id(), at(5)))).contains(job);

    assertThat(get(job.id())).isEqualTo(job);
    assertThat(finish(new JobFinish.Completed(ref(job), at(6)))).containsExactly(job.id());
  }

  @Test
  void retryOfAnUnknownJobIsEmpty() {
    assertThat(store.jobRetry(new JobRetryParams(42, now()))).isEmpty();
    assertThat(store.jobList(JobQuery.all())).isEmpty();
  }

  @Test
  void deleteRemovesAJobThatIsNotRunning() {
    long available = insertOne(job());
    long scheduled = insertOne(job().scheduledAt(at(60)));
    long completed = completed(job().queue("done")).id();
    long kept = insertOne(job().queue("kept"));

    assertThat(delete(available)).isTrue();
    assertThat(delete(scheduled)).isTrue();
    assertThat(delete(completed)).isTrue();

    assertThat(store.jobGet(available)).isEmpty();
    assertThat(store.jobGet(scheduled)).isEmpty();
    assertThat(store.jobGet(completed)).isEmpty();
    assertThat(ids(store.jobList(JobQuery.all()))).containsExactly(kept);
    assertThat(fetch(QUEUE, 10)).isEmpty();
    clock.set(at(60));
    assertThat(stage().total()).isZero();
    assertThat(delete(available)).as("already gone").isFalse();
  }

  @Test
  void deleteRefusesARunningJob() {
    JobInfo job = running(job());

    assertThat(delete(job.id())).isFalse();

    assertThat(get(job.id())).isEqualTo(job);
    assertThat(finish(new JobFinish.Completed(ref(job), at(1)))).containsExactly(job.id());
  }

  @Test
  void deleteOfAnUnknownJobIsFalse() {
    assertThat(delete(42)).isFalse();
  }

  private static void assertCancelReason(List<AttemptError> errors, Instant at, String reason) {
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).at()).isEqualTo(at);
    assertThat(errors.get(0).message()).isEqualTo(reason);
    assertThat(errors.get(0).startedAt()).as("a cancellation from outside ends no run").isNull();
    assertThat(errors.get(0).node()).isNull();
  }
}
