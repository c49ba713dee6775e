package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A user's test calls a worker directly with a {@link Job#of} job. */
class JobOfTest {

  private static final Instant NOW = Instant.parse("2025-03-01T09:30:00Z");

  /** Follow-ups of both kinds, enqueued by the worker under test. */
  private final List<JobArgs> enqueued = new ArrayList<>();

  private final Enqueuer recording =
      new Enqueuer() {
        @Override
        public Enqueued enqueue(JobArgs args, EnqueueOptions options) {
          enqueued.add(args);
          return new Enqueued(enqueued.size(), JobState.AVAILABLE, false);
        }

        @Override
        public List<Enqueued> enqueueAll(
            Collection<? extends JobArgs> args, EnqueueOptions options) {
          return args.stream().map(a -> enqueue(a, options)).toList();
        }

        @Override
        public List<Enqueued> enqueueMany(List<EnqueueRequest> requests) {
          return requests.stream().map(r -> enqueue(r.args(), r.options())).toList();
        }
      };

  private final Worker<TestArgs.Step> worker =
      job -> {
        job.enqueue(new TestArgs.Step(job.args().name() + "-now"));
        job.enqueueOnCompletion(new TestArgs.Step(job.args().name() + "-after"));
        return job.isCancelled() ? Outcome.cancel("cancelled") : Outcome.complete();
      };

  @Test
  void aWorkerCalledDirectlySeesItsJobAndEnqueuesThroughTheGivenEnqueuer() throws Exception {
    Job<TestArgs.Step> job = Job.of(info(2), new TestArgs.Step("a"), recording);

    Outcome outcome = worker.work(job);

    assertThat(outcome).isEqualTo(Outcome.complete());
    assertThat(job.id()).isEqualTo(7);
    assertThat(job.kind()).isEqualTo("step");
    assertThat(job.attempt()).isEqualTo(2);
    assertThat(job.isLastAttempt()).isFalse();
    assertThat(job.isCancelled()).isFalse();
    assertThat(enqueued).containsExactly(new TestArgs.Step("a-now"), new TestArgs.Step("a-after"));
  }

  @Test
  void theFullFormTellsFollowUpsApartAndCancels() throws Exception {
    AtomicBoolean cancelled = new AtomicBoolean(true);
    List<JobArgs> onCompletion = new ArrayList<>();
    Job<TestArgs.Step> job =
        Job.of(
            info(3),
            new TestArgs.Step("b"),
            recording,
            cancelled::get,
            (args, options) -> onCompletion.add(args));

    Outcome outcome = worker.work(job);

    assertThat(outcome).isEqualTo(Outcome.cancel("cancelled"));
    assertThat(job.isLastAttempt()).isTrue();
    assertThat(enqueued).containsExactly(new TestArgs.Step("b-now"));
    assertThat(onCompletion).containsExactly(new TestArgs.Step("b-after"));
  }

  private static JobInfo info(int attempt) {
    return new JobInfo(
        7,
        "step",
        "default",
        JobState.RUNNING,
        "{}",
        1,
        attempt,
        3,
        NOW,
        NOW,
        NOW,
        null,
        "node-1",
        NOW.plusSeconds(60),
        List.of(),
        Map.of(),
        List.of());
  }
}
