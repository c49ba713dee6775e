package dev.errand.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.AttemptError;
import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.spi.ImportedJob;
import dev.errand.spi.JobImportParams;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Import, an area of the {@link StoreContract}: jobs brought from another store keep their fields
 * and their history (attempts, errors, waiting for a retry), are stored once per origin key however
 * often they are brought, and run on from where they were.
 */
abstract class ImportContract extends ContractFixtures {

  @Test
  void keepsEveryFieldAndTheHistory() {
    clock.set(at(100));
    List<AttemptError> oneError = List.of(failure(1, at(40)));
    List<AttemptError> twoErrors = List.of(failure(1, at(50)), failure(2, at(60)));
    List<Enqueued> stored =
        importJobs(
            imported(
                job()
                    .kind("invoice")
                    .queue("billing")
                    .args("{\"order\": 7,  \"lines\":[1,2]}")
                    .priority(2)
                    .maxAttempts(5)
                    .tags("a", "b")
                    .metadata(Map.of("trace", "t-1"))
                    .unique(key(1), JobState.values()),
                false,
                1,
                oneError),
            imported(
                job().scheduledAt(at(200)).unique(key(2), JobState.values()), false, 0, List.of()),
            imported(
                job().scheduledAt(at(300)).unique(key(3), JobState.values()), true, 2, twoErrors));

    assertThat(stored).extracting(Enqueued::duplicate).containsOnly(false);
    assertThat(stored)
        .extracting(Enqueued::state)
        .containsExactly(JobState.AVAILABLE, JobState.SCHEDULED, JobState.RETRYABLE);
    JobInfo available = get(stored.get(0).id());
    assertThat(available.kind()).isEqualTo("invoice");
    assertThat(available.queue()).isEqualTo("billing");
    assertThat(available.argsJson()).isEqualTo("{\"order\": 7,  \"lines\":[1,2]}");
    assertThat(available.priority()).isEqualTo(2);
    assertThat(available.maxAttempts()).isEqualTo(5);
    assertThat(available.tags()).containsExactly("a", "b");
    assertThat(available.metadata()).isEqualTo(Map.of("trace", "t-1"));
    assertThat(available.state()).isEqualTo(JobState.AVAILABLE);
    assertThat(available.attempt()).isEqualTo(1);
    assertThat(available.errors()).isEqualTo(oneError);
    assertThat(available.createdAt()).isEqualTo(at(100));

    JobInfo scheduled = get(stored.get(1).id());
    assertThat(scheduled.state()).isEqualTo(JobState.SCHEDULED);
    assertThat(scheduled.scheduledAt()).isEqualTo(at(200));
    assertThat(scheduled.attempt()).isZero();
    assertThat(scheduled.errors()).isEmpty();

    JobInfo retrying = get(stored.get(2).id());
    assertThat(retrying.state()).isEqualTo(JobState.RETRYABLE);
    assertThat(retrying.scheduledAt()).isEqualTo(at(300));
    assertThat(retrying.attempt()).isEqualTo(2);
    assertThat(retrying.errors()).isEqualTo(twoErrors);

    assertThat(counts("billing")).containsEntry(JobState.AVAILABLE, 1L);
    assertThat(counts(QUEUE))
        .containsEntry(JobState.SCHEDULED, 1L)
        .containsEntry(JobState.RETRYABLE, 1L);
  }

  @Test
  void aJobBroughtAgainIsStoredOnce() {
    List<Enqueued> first =
        importJobs(
            imported(
                job().unique(key(1), JobState.values()), false, 1, List.of(failure(1, at(0)))));
    clock.set(at(5));

    List<Enqueued> again =
        importJobs(
            imported(job().unique(key(1), JobState.values()), false, 1, List.of(failure(1, at(0)))),
            imported(job().unique(key(2), JobState.values()), false, 0, List.of()));

    assertThat(again.get(0).duplicate()).isTrue();
    assertThat(again.get(0).id()).isEqualTo(first.get(0).id());
    assertThat(again.get(1).duplicate()).isFalse();
    assertThat(ids(listAll(JobQuery.all()))).containsExactly(first.get(0).id(), again.get(1).id());
    assertThat(get(first.get(0).id()).createdAt()).as("the first import's").isEqualTo(at(0));
  }

  @Test
  void importedJobsRunOnFromTheirAttempt() {
    List<Enqueued> stored =
        importJobs(
            imported(
                job().maxAttempts(4).unique(key(1), JobState.values()),
                false,
                2,
                List.of(failure(1, at(0)), failure(2, at(0)))),
            imported(
                job().maxAttempts(4).scheduledAt(at(10)).unique(key(2), JobState.values()),
                true,
                1,
                List.of(failure(1, at(0)))));

    JobInfo first = fetchOnly(QUEUE, stored.get(0).id());
    assertThat(first.attempt()).as("its third attempt").isEqualTo(3);

    clock.set(at(10));
    assertThat(stage().stagedByQueue()).containsEntry(QUEUE, 1);
    JobInfo retried = fetchOnly(QUEUE, stored.get(1).id());
    assertThat(retried.attempt()).as("its second attempt").isEqualTo(2);
    assertThat(retried.errors()).hasSize(1);
  }

  /** A job built at the clock's time (its run time then, unless the spec sets one). */
  private ImportedJob imported(
      JobSpec spec, boolean retrying, int attempt, List<AttemptError> errors) {
    return new ImportedJob(spec.build(now()), retrying, attempt, errors);
  }

  private List<Enqueued> importJobs(ImportedJob... jobs) {
    return store.jobImport(new JobImportParams(List.of(jobs), now()));
  }
}
