package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.RETRYABLE;
import static dev.errand.JobState.RUNNING;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.DuplicateJobException;
import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.spi.Capability;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobRetryParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Uniqueness, an area of the {@link StoreContract}: a job whose key is held is not stored and
 * answers the holder's id; the states that hold a key; racing inserts of one key. Needs {@code
 * UNIQUE_JOBS}.
 */
abstract class UniquenessContract extends ContractFixtures {

  /** The states a unique job holds its key in unless told otherwise: waiting and running. */
  private static final JobState[] LIVE = {SCHEDULED, AVAILABLE, RUNNING, RETRYABLE};

  @BeforeEach
  void requireUniqueJobs() {
    assumeTrue(
        store.capabilities().contains(Capability.UNIQUE_JOBS),
        "the store does not declare UNIQUE_JOBS");
  }

  @Test
  void aJobWhoseKeyIsHeldIsNotStoredAndAnswersTheHoldersId() {
    Enqueued first = insert(job().unique(key(1), LIVE)).get(0);
    clock.advance(Duration.ofSeconds(1));

    Enqueued second = insert(job().args("{\"other\":1}").unique(key(1), LIVE)).get(0);

    assertThat(first.duplicate()).isFalse();
    assertThat(second).isEqualTo(new Enqueued(first.id(), AVAILABLE, true));
    assertThat(listAll(JobQuery.all())).extracting(JobInfo::id).containsExactly(first.id());
    assertThat(get(first.id()).argsJson()).isEqualTo("{}");
  }

  @Test
  void aUniqueJobShowsItsKeyAndAnOrdinaryJobNone() {
    // Letters among the digits: a store that keeps the key as bytes must give back lowercase hex.
    List<Enqueued> inserted =
        insert(
            job().unique(key(0xbeef), LIVE),
            job().queue("other"),
            job().queue("other").unique(key(0xcafe), LIVE));
    long unique = inserted.get(0).id();
    long ordinary = inserted.get(1).id();
    long other = inserted.get(2).id();

    assertThat(get(unique).uniqueKey()).isEqualTo(key(0xbeef));
    assertThat(get(ordinary).uniqueKey()).isNull();
    // In any order: a store may number a batch's unique jobs in an order of its own.
    assertThat(listAll(JobQuery.all()))
        .extracting(JobInfo::id, JobInfo::uniqueKey)
        .containsExactlyInAnyOrder(
            tuple(unique, key(0xbeef)), tuple(ordinary, null), tuple(other, key(0xcafe)));
    assertThat(fetchOnly(QUEUE, unique).uniqueKey()).as("as claimed").isEqualTo(key(0xbeef));
    assertThat(get(unique).uniqueKey()).as("while running").isEqualTo(key(0xbeef));
  }

  @Test
  void aUniqueJobsNextClaimClearsItsLastHeartbeatToo() {
    // A store may claim a unique job on another path than an ordinary one (Redis does).
    JobInfo job = running(job().unique(key(1), LIVE));
    clock.set(at(20));
    assertThat(heartbeat(OWNER, at(80), ref(job))).isEmpty();
    clock.set(at(81));
    assertThat(rescue().retryable()).containsExactly(job.id());
    assertThat(get(job.id()).heartbeatAt()).isEqualTo(at(20));

    stage();
    JobInfo retaken = fetchOnly(QUEUE, job.id());
    assertThat(retaken.heartbeatAt()).isNull();
    assertThat(get(job.id())).isEqualTo(retaken);
    assertThat(retaken.uniqueKey()).isEqualTo(key(1));
  }

  @Test
  void jobsWithOtherKeysOrNoKeyAreStored() {
    List<Enqueued> inserted =
        insert(job().unique(key(1), LIVE), job().unique(key(2), LIVE), job(), job());

    assertThat(inserted).extracting(Enqueued::duplicate).containsOnly(false);
    assertThat(ids(inserted)).doesNotHaveDuplicates();
    assertThat(listAll(JobQuery.all())).hasSize(4);
  }

  @Test
  void aDuplicateAnswersTheHoldersCurrentState() {
    JobInfo runningJob = running(job().unique(key(1), LIVE));
    Enqueued scheduled = insert(job().scheduledAt(at(60)).unique(key(2), LIVE)).get(0);

    assertThat(insert(job().unique(key(1), LIVE), job().unique(key(2), LIVE)))
        .containsExactly(
            new Enqueued(runningJob.id(), RUNNING, true),
            new Enqueued(scheduled.id(), SCHEDULED, true));
  }

  @Test
  void withinOneBatchARepeatedKeyIsADuplicateOfItsFirstOccurrence() {
    List<Enqueued> inserted =
        insert(
            job().unique(key(1), LIVE),
            job(),
            job().args("{\"n\":2}").unique(key(1), LIVE),
            job().scheduledAt(at(60)).unique(key(2), LIVE),
            job().unique(key(2), LIVE));

    assertThat(inserted.get(0).duplicate()).isFalse();
    assertThat(inserted.get(1).duplicate()).isFalse();
    assertThat(inserted.get(2)).isEqualTo(new Enqueued(inserted.get(0).id(), AVAILABLE, true));
    assertThat(inserted.get(3)).isEqualTo(new Enqueued(inserted.get(3).id(), SCHEDULED, false));
    assertThat(inserted.get(4)).isEqualTo(new Enqueued(inserted.get(3).id(), SCHEDULED, true));
    assertThat(listAll(JobQuery.all()))
        .extracting(JobInfo::id)
        .containsExactlyInAnyOrder(
            inserted.get(0).id(), inserted.get(1).id(), inserted.get(3).id());
    assertThat(get(inserted.get(0).id()).argsJson()).isEqualTo("{}");
  }

  @Test
  void aJobHoldsItsKeyThroughEveryLiveState() {
    JobInfo job = retryable(job().unique(key(1), LIVE), at(60));

    assertThat(insert(job().unique(key(1), LIVE)).get(0))
        .isEqualTo(new Enqueued(job.id(), RETRYABLE, true));
  }

  @Test
  void aJobThatLeftItsUniqueStatesFreesItsKey() {
    JobInfo done = completed(job().unique(key(1), LIVE));
    JobInfo failed = discarded(job().unique(key(2), LIVE));
    JobInfo dropped = cancelled(job().unique(key(3), LIVE));

    List<Enqueued> again =
        insert(job().unique(key(1), LIVE), job().unique(key(2), LIVE), job().unique(key(3), LIVE));

    assertThat(again).extracting(Enqueued::duplicate).containsOnly(false);
    assertThat(ids(again)).doesNotContain(done.id(), failed.id(), dropped.id());
    assertThat(listAll(JobQuery.all())).hasSize(6);
  }

  @Test
  void aFinalStateInItsUniqueStatesKeepsTheKeyHeld() {
    JobState[] liveAndCompleted = {SCHEDULED, AVAILABLE, RUNNING, RETRYABLE, COMPLETED};
    JobInfo done = completed(job().unique(key(1), liveAndCompleted));
    JobInfo failed = discarded(job().unique(key(2), liveAndCompleted));

    assertThat(insert(job().unique(key(1), LIVE), job().unique(key(2), LIVE)))
        .containsExactly(
            new Enqueued(done.id(), COMPLETED, true),
            new Enqueued(insertedAfter(failed.id()), AVAILABLE, false));
  }

  @Test
  void theHoldersOwnStatesDecideNotTheNewcomers() {
    JobInfo done = completed(job().unique(key(1), LIVE));

    Enqueued newcomer =
        insert(job().unique(key(1), SCHEDULED, AVAILABLE, RUNNING, RETRYABLE, COMPLETED)).get(0);

    assertThat(newcomer.duplicate()).isFalse();
    assertThat(newcomer.id()).isNotEqualTo(done.id());
  }

  @Test
  void pruningAHolderFreesItsKey() {
    JobInfo done =
        completed(job().unique(key(1), SCHEDULED, AVAILABLE, RUNNING, RETRYABLE, COMPLETED));
    clock.advance(Duration.ofHours(1));
    assertThat(prune(now(), now(), now(), 100)).isEqualTo(1);

    Enqueued again = insert(job().unique(key(1), LIVE)).get(0);

    assertThat(again.duplicate()).isFalse();
    assertThat(again.id()).isNotEqualTo(done.id());
  }

  @Test
  void retryingAJobWhoseKeyAnotherHoldsFailsAndChangesNothing() {
    JobInfo failed = discarded(job().unique(key(1), LIVE));
    long successor = insertOne(job().unique(key(1), LIVE));

    assertThatThrownBy(() -> store.jobRetry(new JobRetryParams(failed.id(), now())))
        .isInstanceOfSatisfying(
            DuplicateJobException.class,
            e -> {
              assertThat(e.jobId()).isEqualTo(failed.id());
              assertThat(e.holderId()).isEqualTo(successor);
            })
        .hasMessageContaining("job " + failed.id())
        .hasMessageContaining("unique job " + successor);
    assertThat(get(failed.id())).isEqualTo(failed);
    assertThat(get(successor).state()).isEqualTo(AVAILABLE);
  }

  @Test
  void retryingAJobWhoseKeyIsFreeTakesTheKeyBack() {
    JobInfo failed = discarded(job().unique(key(1), LIVE));

    assertThat(store.jobRetry(new JobRetryParams(failed.id(), now())).orElseThrow().state())
        .isEqualTo(AVAILABLE);

    assertThat(insert(job().unique(key(1), LIVE)).get(0))
        .isEqualTo(new Enqueued(failed.id(), AVAILABLE, true));
  }

  @Test
  void aFollowUpWhoseKeyIsHeldIsNotStoredTwice() {
    long holder = insertOne(job().kind("next").queue("other").unique(key(9), LIVE));
    JobInfo parent = running(job());

    finish(
        new JobFinish.Completed(
            ref(parent),
            now(),
            List.of(
                job().kind("next").queue("other").unique(key(9), LIVE).build(now()),
                job().kind("next").queue("other").unique(key(8), LIVE).build(now()))));

    assertThat(listAll(JobQuery.all().withKind("next")))
        .extracting(JobInfo::id)
        .hasSize(2)
        .contains(holder);
  }

  @Test
  void aFollowUpWithItsParentsKeyMeetsTheParentInItsFinalState() {
    JobState[] liveAndCompleted = {SCHEDULED, AVAILABLE, RUNNING, RETRYABLE, COMPLETED};
    JobInfo freesKey = running(job().kind("a").unique(key(1), LIVE));
    JobInfo keepsKey = running(job().kind("b").unique(key(2), liveAndCompleted));

    finish(
        new JobFinish.Completed(
            ref(freesKey), now(), List.of(job().kind("a").unique(key(1), LIVE).build(now()))),
        new JobFinish.Completed(
            ref(keepsKey), now(), List.of(job().kind("b").unique(key(2), LIVE).build(now()))));

    assertThat(listAll(JobQuery.all().withKind("a")))
        .extracting(JobInfo::state)
        .containsExactly(COMPLETED, AVAILABLE);
    assertThat(listAll(JobQuery.all().withKind("b")))
        .extracting(JobInfo::state)
        .containsExactly(COMPLETED);
  }

  @Test
  void concurrentInsertsOfTheSameKeysStoreOneJobPerKeyAndAnswerItsId() throws Exception {
    record Answer(int key, Enqueued enqueued) {}
    int keys = 40;
    List<List<Answer>> byThread =
        concurrently(
            8,
            thread -> {
              List<Answer> mine = new ArrayList<>();
              for (int call = 0; call < 5; call++) {
                // Each thread and call walks the keys in its own order, in batches of 8.
                List<Integer> order = new ArrayList<>(IntStream.range(0, keys).boxed().toList());
                Collections.shuffle(order, new Random(thread * 31L + call));
                for (int from = 0; from < keys; from += 8) {
                  List<Integer> batch = order.subList(from, from + 8);
                  List<Enqueued> answers =
                      insert(
                          batch.stream()
                              .map(k -> job().args("{\"k\":" + k + "}").unique(key(k), LIVE))
                              .toArray(JobSpec[]::new));
                  for (int b = 0; b < batch.size(); b++) {
                    mine.add(new Answer(batch.get(b), answers.get(b)));
                  }
                }
              }
              return mine;
            });

    Map<Integer, Long> idByKey = new HashMap<>();
    for (JobInfo job : listAll(JobQuery.all())) {
      int k = Integer.parseInt(job.argsJson().replaceAll("\\D", ""));
      assertThat(idByKey.put(k, job.id())).as("jobs stored for key %d", k).isNull();
    }
    assertThat(idByKey).hasSize(keys);
    int stored = 0;
    for (List<Answer> answers : byThread) {
      for (Answer answer : answers) {
        assertThat(answer.enqueued().id())
            .as("answer for key %d", answer.key())
            .isEqualTo(idByKey.get(answer.key()));
        stored += answer.enqueued().duplicate() ? 0 : 1;
      }
    }
    assertThat(stored).as("answers that stored a job").isEqualTo(keys);
  }

  /** The id of the job stored next after {@code id} (ids increase across calls). */
  private long insertedAfter(long id) {
    return listAll(JobQuery.all()).stream()
        .mapToLong(JobInfo::id)
        .filter(i -> i > id)
        .min()
        .orElseThrow();
  }
}
