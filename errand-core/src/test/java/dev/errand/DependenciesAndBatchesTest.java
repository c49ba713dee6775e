package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.TestArgs.Noop;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DependenciesAndBatchesTest extends EngineHarness {

  record GenerateTicket(int order) implements JobArgs {
    @Override
    public String kind() {
      return "generate_ticket";
    }
  }

  record SendTickets(String event) implements JobArgs {
    @Override
    public String kind() {
      return "send_tickets";
    }
  }

  /** What the send_tickets worker saw when it ran. */
  record Sent(String event, Set<Integer> tickets, DependencyCounts counts) {}

  private final Map<Integer, String> tickets = new ConcurrentHashMap<>();
  private final List<Sent> sent = new CopyOnWriteArrayList<>();

  private void ticketWorkers(Config.Builder c) {
    c.queue("default", 4)
        .worker(
            "generate_ticket",
            GenerateTicket.class,
            job -> {
              if (job.args().order() < 0) {
                return Outcome.discard("no such order");
              }
              tickets.put(job.args().order(), "ticket-" + job.args().order());
              return Outcome.complete();
            })
        .worker(
            "send_tickets",
            SendTickets.class,
            job -> {
              sent.add(
                  new Sent(job.args().event(), Set.copyOf(tickets.keySet()), job.dependencies()));
              return Outcome.complete();
            });
  }

  @Test
  void theTicketExample_oneTicketPerJobThenSendAllOnceEveryTicketExists() {
    start(this::ticketWorkers);
    Errand other = start(this::ticketWorkers);
    int orders = 60;

    BatchEnqueued batch =
        other
            .batch()
            .addAll(IntStream.range(0, orders).mapToObj(GenerateTicket::new).toList())
            .onFinish(new SendTickets("concert"))
            .enqueue();

    assertThat(batch.members()).hasSize(orders);
    assertThat(batch.callback().state()).isEqualTo(JobState.PENDING);
    await().until(() -> state(batch.callbackId()) == JobState.COMPLETED);
    Set<Integer> all = Set.copyOf(IntStream.range(0, orders).boxed().toList());
    assertThat(sent)
        .containsExactly(new Sent("concert", all, new DependencyCounts(0, orders, 0, 0)));
    assertThat(batch.memberIds())
        .allSatisfy(id -> assertThat(state(id)).isEqualTo(JobState.COMPLETED));
  }

  @Test
  void theCallbackRunsWithTheCountsWhenSomeMembersFail() {
    Errand errand = start(this::ticketWorkers);

    BatchEnqueued batch =
        errand
            .batch()
            .add(new GenerateTicket(1))
            .add(new GenerateTicket(-1))
            .add(new GenerateTicket(2))
            .onFinish(new SendTickets("partial"))
            .enqueue();

    await().until(() -> state(batch.callbackId()) == JobState.COMPLETED);
    assertThat(sent)
        .singleElement()
        .extracting(Sent::counts)
        .isEqualTo(new DependencyCounts(0, 2, 1, 0));
  }

  @Test
  void aDependentRunsAfterItsDependenciesOrIsCancelledWhenOneFails() {
    Errand errand = start(this::ticketWorkers);
    errand.queues().pause("default");
    Enqueued first = errand.enqueue(new GenerateTicket(1));
    Enqueued broken = errand.enqueue(new GenerateTicket(-1));
    Enqueued send =
        errand.enqueue(new SendTickets("one"), EnqueueOptions.defaults().dependsOn(List.of(first)));
    Enqueued cancelled =
        errand.enqueue(
            new SendTickets("never"), EnqueueOptions.defaults().dependsOn(first.id(), broken.id()));
    Enqueued anyway =
        errand.enqueue(
            new SendTickets("anyway"),
            EnqueueOptions.defaults()
                .dependsOn(first.id(), broken.id())
                .ifDependencyFails(DependencyFailure.RUN));

    assertThat(List.of(send, cancelled, anyway))
        .allSatisfy(e -> assertThat(e.state()).isEqualTo(JobState.PENDING));
    errand.queues().resume("default");

    await().until(() -> state(send.id()) == JobState.COMPLETED);
    await().until(() -> state(anyway.id()) == JobState.COMPLETED);
    assertThat(state(cancelled.id())).isEqualTo(JobState.CANCELLED);
    assertThat(job(cancelled.id()).errors().get(0).message())
        .isEqualTo("dependency " + broken.id() + " was discarded");
    assertThat(sent)
        .extracting(Sent::event)
        .containsExactlyInAnyOrder("one", "anyway")
        .doesNotContain("never");
  }

  @Test
  void aFollowUpWithAnUnknownDependencyFailsTheAttemptInsteadOfItsWrite() {
    Errand errand =
        start(
            c ->
                c.queue("default", 1)
                    .worker(
                        "noop",
                        Noop.class,
                        job -> {
                          job.enqueueOnCompletion(
                              new Noop(2), EnqueueOptions.defaults().dependsOn(98_765));
                          return Outcome.complete();
                        }));

    long id = errand.enqueue(new Noop(1), EnqueueOptions.defaults().maxAttempts(1)).id();

    await().until(() -> state(id) == JobState.DISCARDED);
    assertThat(job(id).errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.errorClass()).isEqualTo(UnknownDependencyException.class.getName());
              assertThat(e.message()).contains("job 98765 does not exist");
            });
    assertThat(store.jobList(JobQuery.all())).hasSize(1);
  }

  @Test
  void anUnknownDependencyIsRefusedByName() {
    Errand errand = Errand.create(config().build());

    assertThatThrownBy(
            () -> errand.enqueue(new Noop(1), EnqueueOptions.defaults().dependsOn(12_345)))
        .isInstanceOf(UnknownDependencyException.class)
        .hasMessageContaining("job 12345 does not exist");
    assertThat(store.jobList(JobQuery.all())).isEmpty();
  }

  @Test
  void badDependencyOptionsAndIncompleteBatchesAreRefused() {
    Errand errand = Errand.create(config().build());

    assertThatThrownBy(() -> EnqueueOptions.defaults().dependsOn(3, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dependsOn ids must be positive job ids, was 0");
    assertThat(EnqueueOptions.defaults().dependsOn(3, 3, 4).dependsOn()).containsExactly(3L, 4L);
    assertThatThrownBy(() -> errand.batch().onFinish(new Noop(1)).enqueue())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("at least one member");
    assertThatThrownBy(() -> errand.batch().add(new Noop(1)).enqueue())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs a callback");
  }

  @Test
  void aStoreWithoutDependenciesRefusesThemClearly() {
    FlakyStore plain = new FlakyStore(Stores.inMemory(), 0);
    Errand errand = Errand.create(Config.builder(plain).clock(clock).build());
    long existing = errand.enqueue(new Noop(1)).id();

    assertThatThrownBy(
            () -> errand.enqueue(new Noop(2), EnqueueOptions.defaults().dependsOn(existing)))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("FlakyStore has no job dependencies");
    assertThatThrownBy(() -> errand.batch().add(new Noop(3)).onFinish(new Noop(4)).enqueue())
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("FlakyStore has no job dependencies");
    assertThat(plain.jobList(JobQuery.all())).hasSize(1);
  }
}
