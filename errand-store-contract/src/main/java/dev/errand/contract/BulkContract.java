package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.RUNNING;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.QueueInfo;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.NewJob;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bulk, an area of the {@link StoreContract}: ten thousand jobs in one insert, in id order, counted
 * per queue and state.
 */
abstract class BulkContract extends ContractFixtures {

  @Test
  void tenThousandJobsInOneInsert() {
    int count = 10_000;
    List<NewJob> jobs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      jobs.add(job().args("{\"n\": " + i + "}").build(now()));
    }

    List<Enqueued> result = store.jobInsertMany(new JobInsertManyParams(jobs, now()));

    assertThat(result).hasSize(count);
    assertThat(result).extracting(Enqueued::state).containsOnly(AVAILABLE);
    List<Long> ids = ids(result);
    assertStrictlyIncreasing(ids);
    List<JobInfo> listed = listAll(JobQuery.all());
    assertThat(ids(listed)).containsExactlyElementsOf(ids);
    for (int i = 0; i < count; i += 997) {
      assertThat(listed.get(i).argsJson()).isEqualTo("{\"n\": " + i + "}");
    }
    assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, (long) count));

    List<Long> fetched = new ArrayList<>();
    List<JobInfo> batch;
    while (!(batch = fetch(QUEUE, 1_000)).isEmpty()) {
      fetched.addAll(ids(batch));
    }
    assertThat(fetched).as("same priority and time: id order").containsExactlyElementsOf(ids);
    assertThat(counts(QUEUE)).isEqualTo(Map.of(RUNNING, (long) count));
  }

  @Test
  void tenThousandMixedJobsAreCountedPerQueueAndState() {
    int count = 10_000;
    List<NewJob> jobs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      jobs.add(job().queue("q" + (i % 4)).scheduledAt(i % 2 == 0 ? T0 : at(60)).build(now()));
    }

    List<Enqueued> result = store.jobInsertMany(new JobInsertManyParams(jobs, now()));

    for (int i = 0; i < count; i++) {
      assertThat(result.get(i).state()).isEqualTo(i % 2 == 0 ? AVAILABLE : SCHEDULED);
    }
    assertThat(store.queueList())
        .containsExactly(
            new QueueInfo("q0", false, Map.of(AVAILABLE, 2_500L)),
            new QueueInfo("q1", false, Map.of(SCHEDULED, 2_500L)),
            new QueueInfo("q2", false, Map.of(AVAILABLE, 2_500L)),
            new QueueInfo("q3", false, Map.of(SCHEDULED, 2_500L)));
    clock.set(at(60));
    assertThat(stage().stagedByQueue()).isEqualTo(Map.of("q1", 2_500, "q3", 2_500));
  }
}
