package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

/** Unique jobs through the public API, on the in-memory store. */
class UniqueJobsTest extends EngineHarness {
  record Sync(long account, String reason) implements JobArgs {
    @Override
    public String kind() {
      return "sync";
    }
  }

  /** The same kind as {@link Sync} with its fields written in the other order. */
  record SyncReordered(String reason, long account) implements JobArgs {
    @Override
    public String kind() {
      return "sync";
    }
  }

  record Tick() implements JobArgs {
    @Override
    public String kind() {
      return "tick";
    }
  }

  private final Errand client = Errand.create(config().build());

  private static EnqueueOptions unique(UniqueOptions unique) {
    return EnqueueOptions.defaults().unique(unique);
  }

  private List<JobInfo> jobs() {
    return store.jobList(JobQuery.all());
  }

  @Test
  void byKindASecondJobOfTheKindIsADuplicateWhateverItsArgs() {
    Enqueued first = client.enqueue(new Sync(1, "a"), unique(UniqueOptions.byKind()));
    Enqueued second = client.enqueue(new Sync(2, "b"), unique(UniqueOptions.byKind()));

    assertThat(first.duplicate()).isFalse();
    assertThat(second).isEqualTo(new Enqueued(first.id(), JobState.AVAILABLE, true));
    assertThat(client.enqueue(new Sync(1, "a")).duplicate()).as("not unique").isFalse();
    assertThat(jobs()).hasSize(2);
  }

  @Test
  void byArgsEqualArgsAreDuplicatesWhateverTheirFieldOrder() {
    UniqueOptions byArgs = UniqueOptions.byKind().byArgs();
    Enqueued first = client.enqueue(new Sync(1, "a"), unique(byArgs));

    assertThat(client.enqueue(new SyncReordered("a", 1), unique(byArgs)).id())
        .isEqualTo(first.id());
    assertThat(client.enqueue(new Sync(1, "b"), unique(byArgs)).duplicate()).isFalse();
    assertThat(client.enqueue(new Sync(2, "a"), unique(byArgs)).duplicate()).isFalse();
  }

  @Test
  void byChosenArgsFieldsOnlyThoseFieldsCount() {
    UniqueOptions byAccount = UniqueOptions.byKind().byArgs("account");
    Enqueued first = client.enqueue(new Sync(1, "a"), unique(byAccount));

    assertThat(client.enqueue(new Sync(1, "b"), unique(byAccount)))
        .isEqualTo(new Enqueued(first.id(), JobState.AVAILABLE, true));
    assertThat(client.enqueue(new Sync(2, "a"), unique(byAccount)).duplicate()).isFalse();
    assertThatThrownBy(
            () -> client.enqueue(new Sync(1, "a"), unique(UniqueOptions.byKind().byArgs("acount"))))
        .isInstanceOf(JobArgsException.class)
        .hasMessageContaining("unique by args field 'acount'")
        .hasMessageContaining("account");
  }

  @Test
  void byQueueEqualJobsInOtherQueuesAreNotDuplicates() {
    Sync args = new Sync(1, "a");
    Enqueued mail = client.enqueue(args, unique(UniqueOptions.byKind()).queue("mail"));
    assertThat(client.enqueue(args, unique(UniqueOptions.byKind()).queue("other")).id())
        .as("queue does not count")
        .isEqualTo(mail.id());

    UniqueOptions byQueue = UniqueOptions.byKind().byQueue();
    Enqueued inMail = client.enqueue(new Tick(), unique(byQueue).queue("mail"));
    Enqueued inOther = client.enqueue(new Tick(), unique(byQueue).queue("other"));
    assertThat(inOther.id()).isNotEqualTo(inMail.id());
    assertThat(client.enqueue(new Tick(), unique(byQueue).queue("mail")).id())
        .isEqualTo(inMail.id());
  }

  @Test
  void byPeriodOnlyJobsOfTheSameEpochAlignedPeriodAreDuplicates() {
    // The clock starts at 2030-01-01T00:00:00Z: an hour boundary.
    UniqueOptions hourly = UniqueOptions.byKind().byPeriod(Duration.ofHours(1));
    clock.advance(Duration.ofMinutes(10));
    Enqueued first = client.enqueue(new Tick(), unique(hourly));
    clock.advance(Duration.ofMinutes(49));
    assertThat(client.enqueue(new Tick(), unique(hourly)).id()).isEqualTo(first.id());

    clock.advance(Duration.ofMinutes(1));
    Enqueued nextHour = client.enqueue(new Tick(), unique(hourly));
    assertThat(nextHour.duplicate()).isFalse();

    // A delayed job falls in the period of its run time.
    Instant inTwoHours = clock.instant().plus(Duration.ofHours(2));
    Enqueued later = client.enqueue(new Tick(), unique(hourly).runAt(inTwoHours));
    assertThat(later).isEqualTo(new Enqueued(later.id(), JobState.SCHEDULED, false));
    assertThat(client.enqueue(new Tick(), unique(hourly).runAt(inTwoHours.plusSeconds(60))))
        .isEqualTo(new Enqueued(later.id(), JobState.SCHEDULED, true));
  }

  @Test
  void aCompletedJobBlocksByDefaultAndFreesItsKeyWhenItsStatesSaySo() {
    start(
        c ->
            c.queue("default", 2)
                .worker("tick", Tick.class, job -> Outcome.complete())
                .worker("sync", Sync.class, job -> Outcome.complete()));
    Enqueued byDefault = client.enqueue(new Tick(), unique(UniqueOptions.byKind()));
    await().until(() -> state(byDefault.id()) == JobState.COMPLETED);

    assertThat(client.enqueue(new Tick(), unique(UniqueOptions.byKind())))
        .isEqualTo(new Enqueued(byDefault.id(), JobState.COMPLETED, true));

    UniqueOptions whileLive =
        UniqueOptions.byKind()
            .byArgs()
            .byStates(JobState.SCHEDULED, JobState.AVAILABLE, JobState.RUNNING, JobState.RETRYABLE);
    Enqueued first = client.enqueue(new Sync(7, "x"), unique(whileLive));
    await().until(() -> state(first.id()) == JobState.COMPLETED);
    Enqueued again = client.enqueue(new Sync(7, "x"), unique(whileLive));
    assertThat(again.duplicate()).isFalse();
    assertThat(again.id()).isNotEqualTo(first.id());
  }

  @Test
  void enqueueAllCollapsesDuplicatesWithinTheBatchToTheFirst() {
    List<Enqueued> result =
        client.enqueueAll(
            List.of(new Sync(1, "a"), new Sync(2, "a"), new Sync(1, "b"), new Sync(1, "c")),
            unique(UniqueOptions.byKind().byArgs("account")));

    assertThat(result.get(0).duplicate()).isFalse();
    assertThat(result.get(1).duplicate()).isFalse();
    assertThat(result.get(2)).isEqualTo(new Enqueued(result.get(0).id(), JobState.AVAILABLE, true));
    assertThat(result.get(3)).isEqualTo(new Enqueued(result.get(0).id(), JobState.AVAILABLE, true));
    assertThat(jobs()).hasSize(2);
  }

  @Test
  void theWorkersUniquenessAppliesUnlessTheEnqueueSetsItsOwn() {
    Worker<Sync> uniquePerAccount =
        new Worker<>() {
          @Override
          public Outcome work(Job<Sync> job) {
            return Outcome.complete();
          }

          @Override
          public UniqueOptions unique() {
            return UniqueOptions.byKind().byArgs("account");
          }
        };
    Errand withWorker =
        Errand.create(config().worker("sync", Sync.class, uniquePerAccount).build());

    Enqueued first = withWorker.enqueue(new Sync(1, "a"));
    assertThat(withWorker.enqueue(new Sync(1, "b")).id()).isEqualTo(first.id());
    assertThat(
            withWorker
                .enqueue(new Sync(1, "b"), unique(UniqueOptions.byKind().byArgs()))
                .duplicate())
        .isFalse();
  }

  @Test
  void aStoreWithoutUniqueJobsRefusesUniqueJobsAndPeriodicJobs() {
    Store plain = new FlakyStore(Stores.inMemory(), 0);
    Errand onPlain = Errand.create(Config.builder(plain).build());

    assertThatThrownBy(() -> onPlain.enqueue(new Tick(), unique(UniqueOptions.byKind())))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("kind 'tick' is unique")
        .hasMessageContaining("UNIQUE_JOBS");
    assertThat(onPlain.enqueue(new Tick()).duplicate()).isFalse();
    assertThatThrownBy(
            () ->
                Config.builder(plain)
                    .periodic(PeriodicJob.of(Schedule.every(Duration.ofMinutes(1)), new Tick()))
                    .build())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("periodicJobs")
        .hasMessageContaining("UNIQUE_JOBS");
  }

  @Test
  void badUniqueOptionsAreRejectedWithTheirProblem() {
    assertThatThrownBy(() -> UniqueOptions.byKind().byStates(JobState.AVAILABLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing [SCHEDULED, RUNNING, RETRYABLE]");
    assertThatThrownBy(() -> UniqueOptions.byKind().byPeriod(Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> UniqueOptions.byKind().byArgs(new String[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one field");
    assertThatThrownBy(
            () ->
                PeriodicJob.of(Schedule.every(Duration.ofMinutes(1)), new Tick())
                    .options(unique(UniqueOptions.byKind())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not set unique");
  }

  @Test
  void aPeriodicSlotIsEnqueuedOnceAcrossALeadershipHandoverEvenAfterItRan() {
    PeriodicJob everyHour = PeriodicJob.of(Schedule.every(Duration.ofHours(1)), new Tick());
    Errand first =
        start(
            c ->
                c.queue("default", 2)
                    .worker("tick", Tick.class, job -> Outcome.complete())
                    .periodic(everyHour));
    await()
        .until(
            () ->
                jobs().size() == 1
                    && jobs().get(0).state() == JobState.COMPLETED
                    && jobs().get(0).scheduledAt().equals(Instant.parse("2030-01-01T00:00:00Z")));
    long ran = jobs().get(0).id();
    first.stop(Duration.ofSeconds(5));

    // A new leader within the grace period enqueues the same slot again: the store refuses it.
    StoreCalls.Expected<JobInsertManyParams> again =
        calls.expect(
            "jobInsertMany",
            JobInsertManyParams.class,
            p -> p.jobs().stream().anyMatch(j -> j.kind().equals("tick")));
    Errand second =
        start(
            c ->
                c.queue("default", 2)
                    .worker("tick", Tick.class, job -> Outcome.complete())
                    .periodic(everyHour));
    await().until(second::isLeader);

    assertThat(again.await())
        .asInstanceOf(InstanceOfAssertFactories.list(Enqueued.class))
        .containsExactly(new Enqueued(ran, JobState.COMPLETED, true));
    assertThat(jobs()).extracting(JobInfo::id).containsExactly(ran);
  }
}
