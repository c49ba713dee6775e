package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.NewJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Claims that start after the jobs claimed before (see {@link FetchHints}) against what another
 * process does meanwhile, which this one cannot see: two stores on one schema stand for two
 * processes.
 */
class FetchHintsTest {
  private final String schema = TestDatabase.newSchema("errand_hints");
  private final PostgresStore worker = store();
  private final PostgresStore web = store();

  @AfterEach
  void drop() {
    worker.close();
    web.close();
    TestDatabase.dropSchema(schema);
  }

  @Test
  void aHigherPriorityJobEnqueuedByAnotherProcessIsClaimedDuringABacklog() {
    Instant now = Instant.now();
    List<NewJob> backlog = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      backlog.add(job(5, now));
    }
    worker.jobInsertMany(new JobInsertManyParams(backlog, now));
    assertThat(claim(10)).hasSize(10); // the worker's hint now lies after these

    long urgent = web.jobInsertMany(new JobInsertManyParams(List.of(job(0, now)), now)).get(0).id();

    // One job per claim, a claim every 10 ms: the backlog would last 20 s. The worker does not
    // know of the urgent job, which lies before its hint, until a claim starts from the head.
    List<Long> seen = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              claim(1).forEach(j -> seen.add(j.id()));
              return seen.contains(urgent);
            });
    assertThat(seen.size()).isLessThan(backlog.size() - 10);
  }

  @Test
  void aClaimFromTheHintThatFindsTooFewStartsTheNextFromTheHead() {
    Instant now = Instant.now();
    worker.jobInsertMany(new JobInsertManyParams(List.of(job(5, now), job(5, now)), now));
    assertThat(claim(2)).hasSize(2);
    // Enqueued by the other process, due an hour before the jobs the worker claimed.
    long early =
        web.jobInsertMany(new JobInsertManyParams(List.of(job(5, now.minusSeconds(3600))), now))
            .get(0)
            .id();

    List<Long> claimed = new ArrayList<>();
    claim(5).forEach(j -> claimed.add(j.id()));
    claim(5).forEach(j -> claimed.add(j.id()));

    assertThat(claimed).containsExactly(early);
  }

  @Test
  void urgentJobsEnqueuedHereAreClaimedFirstAndTheBacklogContinuesWhereItWas() {
    Instant now = Instant.now();
    List<NewJob> backlog = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      backlog.add(job(5, now));
    }
    List<Long> backlogIds = enqueue(backlog, now);
    assertThat(ids(claim(10))).isEqualTo(backlogIds.subList(0, 10));

    List<Long> urgent = enqueue(List.of(job(0, now), job(1, now)), now);
    List<Long> next = ids(claim(10));

    List<Long> expected = new ArrayList<>(urgent);
    expected.addAll(backlogIds.subList(10, 18));
    assertThat(next).isEqualTo(expected);
    assertThat(ids(claim(10))).isEqualTo(backlogIds.subList(18, 28));
  }

  private static List<Long> ids(List<JobInfo> claimed) {
    return claimed.stream().map(JobInfo::id).toList();
  }

  private List<Long> enqueue(List<NewJob> jobs, Instant now) {
    return worker.jobInsertMany(new JobInsertManyParams(jobs, now)).stream()
        .map(Enqueued::id)
        .toList();
  }

  private List<JobInfo> claim(int limit) {
    Instant now = Instant.now();
    return worker.jobFetch(
        new JobFetchParams("default", Set.of(), limit, "worker", now, now.plusSeconds(60)));
  }

  private PostgresStore store() {
    PostgresStore store = PostgresStore.builder(TestDatabase.pool()).schema(schema).build();
    store.migrate();
    return store;
  }

  private static NewJob job(int priority, Instant at) {
    return new NewJob("noop", "default", "{}", priority, at, 25, List.of(), Map.of());
  }
}
