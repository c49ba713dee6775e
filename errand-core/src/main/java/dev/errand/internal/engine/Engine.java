package dev.errand.internal.engine;

import dev.errand.Config;
import dev.errand.Enqueued;
import dev.errand.Enqueuer;
import dev.errand.Errand;
import dev.errand.JobState;
import dev.errand.QueueConfig;
import dev.errand.internal.maintain.ClockSkewCheck;
import dev.errand.internal.maintain.JobPruner;
import dev.errand.internal.maintain.JobRescuer;
import dev.errand.internal.maintain.JobStager;
import dev.errand.internal.maintain.LeaderElector;
import dev.errand.internal.maintain.NodeReporter;
import dev.errand.internal.maintain.PeriodicEnqueuer;
import dev.errand.spi.Capability;
import dev.errand.spi.JobRef;
import dev.errand.spi.NewJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs for one {@link Errand}: builds, starts and stops its parts, and routes the calls of
 * {@link Errand} and of the store's notifier to them. The parts: a {@link Producer} per queue,
 * which claims jobs and owns each attempt ({@link HeldAttempt}) until its result is written; one
 * {@link AttemptRunner}, which runs an attempt in a producer's slot; one {@link Completer}, which
 * writes results in batches and tells the producer through {@link ResultWritten}; one {@link
 * AttemptReporter} for the log and the job listeners; one {@link LeaseKeeper} and one {@link
 * TimeoutSweeper} over the held attempts; and the maintenance services. No part holds the engine.
 * Internal: use {@link Errand}.
 */
public final class Engine implements JobSignals {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);
  private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(10);

  private final Config config;
  private final Map<String, Producer> producers = new LinkedHashMap<>();
  private final Completer completer;
  private final LeaseKeeper leaseKeeper;
  private final List<Service> maintenance = new ArrayList<>();
  private final LeaderElector elector;

  /** Aligns this node's clock with the store's; measured once before anything else starts. */
  private final ClockSkewCheck clockCheck;

  /** Null when the store keeps no node registry. */
  private final NodeReporter reporter;

  /** The attempts this node's workers ended, per queue: reported with the node's entry. */
  private final AttemptCounts attemptCounts = new AttemptCounts();

  private final TimeoutSweeper timeouts = new TimeoutSweeper(this::interruptOverdue);
  private final UnworkedQueueCheck unworked;

  /** The store's notifier subscription once started; read by enqueuing threads. */
  private volatile AutoCloseable subscription;

  public Engine(Config config, Enqueuer enqueuer, JobEncoder encoder) {
    this.config = config;
    this.clockCheck = new ClockSkewCheck(config);
    AttemptRunner runner = new AttemptRunner(config, encoder, enqueuer);
    this.completer = new Completer(config);
    AttemptReporter attemptReporter = new AttemptReporter(config.listeners(), attemptCounts);
    this.leaseKeeper =
        new LeaseKeeper(config, this::heldAttempts, ids -> stopLocally(ids, LeaseKeeper.LOST));
    // The leader's services run a pass as soon as this node is elected, and the node reports that
    // it leads (the registry shows which node leads).
    List<Service> leaderServices = new ArrayList<>();
    this.elector = new LeaderElector(config, () -> elected(leaderServices));
    for (QueueConfig queue : config.queues().values()) {
      producers.put(queue.name(), new Producer(queue, config, runner, completer, attemptReporter));
    }
    // The stager runs on every node: staging is idempotent and wakes local producers at once.
    maintenance.add(new JobStager(config, this::wakeQueue));
    leaderServices.add(new JobRescuer(config, elector::isLeader));
    leaderServices.add(new JobPruner(config, elector::isLeader));
    if (!config.periodicJobs().isEmpty()) {
      leaderServices.add(new PeriodicEnqueuer(config, encoder, elector::isLeader));
    }
    maintenance.addAll(leaderServices);
    // Every node, leader or not: each computes leases and run times from its own clock, which
    // the check keeps aligned with the store's.
    maintenance.add(clockCheck);
    maintenance.add(elector);
    this.reporter =
        config.store().capabilities().contains(Capability.NODE_REGISTRY)
            ? new NodeReporter(config, elector::isLeader, attemptCounts::totals)
            : null;
    this.unworked = new UnworkedQueueCheck(config);
  }

  /** This node was elected leader: its leader's services run a pass, and it reports it leads. */
  private void elected(List<Service> leaderServices) {
    leaderServices.forEach(Service::wake);
    if (reporter != null) {
      reporter.wake();
    }
  }

  /**
   * Starts fetching and the background services. Without queues only the maintenance services
   * start: such a node may serve external workers ({@link dev.errand.Leases}), whose expired leases
   * must be rescued and whose retried jobs must be staged.
   */
  public void start() {
    // Before any lease, term or run time is computed: on the store's time line from the first.
    try {
      clockCheck.measure();
    } catch (RuntimeException e) {
      log.warn("could not compare this node's clock with the store's; trying again shortly", e);
    }
    if (reporter != null) {
      reporter.start();
    }
    if (producers.isEmpty()) {
      maintenance.forEach(Service::start);
      log.info(
          "errand node {} started without queues: maintenance only, on {}",
          config.nodeId(),
          config.store().getClass().getSimpleName());
      return;
    }
    config
        .store()
        .notifier()
        .ifPresent(notifier -> subscription = notifier.subscribe(this::announced));
    completer.start();
    leaseKeeper.start();
    timeouts.start();
    maintenance.forEach(Service::start);
    producers.values().forEach(Service::start);
    log.info(
        "errand node {} started: queues {} on {}",
        config.nodeId(),
        config.queues().keySet(),
        config.store().getClass().getSimpleName());
  }

  /**
   * Stops fetching, lets running attempts finish for up to {@code drain}, then interrupts the rest
   * and gives their jobs back to the store as available; writes every pending result.
   */
  public void stop(Duration drain) {
    long deadline = System.nanoTime() + drain.toNanos();
    // Maintenance first: a periodic job or a staged one made available after the producers stopped
    // would wait in the store for the next run, although this node was still up when it came due.
    // Leading is handed over at once, too, rather than after the drain.
    for (Service service : maintenance) {
      service.stop(Duration.ofSeconds(5));
    }
    if (!producers.isEmpty()) {
      stopProducers(drain, deadline);
    }
    // Last: the node counts as working its queues until it has stopped, so that a rolling restart
    // leaves the shortest gap it can in the registry.
    if (reporter != null) {
      reporter.stop(Duration.ofSeconds(5));
    }
    log.info("errand node {} stopped", config.nodeId());
  }

  private void stopProducers(Duration drain, long deadline) {
    for (Producer producer : producers.values()) {
      producer.stop(Duration.ofSeconds(5));
      producer.releaseWaiting();
    }
    closeSubscription();
    for (Producer producer : producers.values()) {
      producer.awaitSettled(deadline);
    }
    int released = 0;
    for (Producer producer : producers.values()) {
      released += producer.releaseRunning();
    }
    if (released > 0) {
      log.warn(
          "{} jobs still ran after the drain period of {}; interrupted them and made them"
              + " available again",
          released,
          drain);
    }
    for (Producer producer : producers.values()) {
      producer.shutdownExecutor();
    }
    // Before the completer: an attempt the sweeper recorded as stuck while the others were released
    // reaches the completer before its flush. No thread that ignores interrupts is waited for:
    // its attempt is recorded, or was just released.
    timeouts.stop(Duration.ofSeconds(1));
    completer.stop(Duration.ofSeconds(5));
    completer.flush(FLUSH_TIMEOUT);
    leaseKeeper.stop(Duration.ofSeconds(5));
  }

  /** Whether this node is the maintenance leader now. */
  public boolean isLeader() {
    return elector.isLeader();
  }

  /** The store's notifier announced available jobs in {@code queue}; null: in any queue. */
  private void announced(String queue) {
    if (queue == null) {
      producers.values().forEach(Producer::forgetEchoes);
      producers.values().forEach(Producer::jobAvailable);
      return;
    }
    Producer producer = producers.get(queue);
    if (producer != null) {
      producer.announced();
    }
  }

  /**
   * Enqueues on this node: runs {@code insert}, which stores {@code jobs} and returns their entries
   * in order, then wakes this node's producers of the queues that received available jobs at once,
   * without waiting for the store's announcement. With a notifier, each producer here of the jobs'
   * queues expects that announcement from before the insert (it comes only on commit, so it cannot
   * arrive first), so that it does not wake the producer a second time; the expectation is
   * withdrawn where no job became available, or the insert failed.
   *
   * @return what {@code insert} returned
   */
  public List<Enqueued> enqueue(List<NewJob> jobs, Supplier<List<Enqueued>> insert) {
    Map<String, Producer.Echo> echoes = subscription == null ? Map.of() : expectEchoes(jobs);
    List<Enqueued> result;
    try {
      result = insert.get();
    } catch (RuntimeException e) {
      echoes.forEach((queue, echo) -> producers.get(queue).cancelEcho(echo));
      throw e;
    }
    Set<String> available = availableQueues(jobs, result);
    echoes.forEach(
        (queue, echo) -> {
          if (!available.contains(queue)) {
            producers.get(queue).cancelEcho(echo);
          }
        });
    available.forEach(this::wakeQueue);
    return result;
  }

  private Map<String, Producer.Echo> expectEchoes(List<NewJob> jobs) {
    Map<String, Producer.Echo> echoes = new HashMap<>();
    for (NewJob job : jobs) {
      if (!echoes.containsKey(job.queue())) {
        Producer producer = producers.get(job.queue());
        if (producer != null) {
          echoes.put(job.queue(), producer.expectEcho());
        }
      }
    }
    return echoes;
  }

  /**
   * Wakes this node's producers of the queues where {@code jobs} became available ({@code result},
   * their entries in order), whether or not the store has a notifier.
   */
  public void wakeAvailable(List<NewJob> jobs, List<Enqueued> result) {
    availableQueues(jobs, result).forEach(this::wakeQueue);
  }

  private static Set<String> availableQueues(List<NewJob> jobs, List<Enqueued> result) {
    Set<String> queues = new LinkedHashSet<>();
    for (int i = 0; i < jobs.size(); i++) {
      if (result.get(i).state() == JobState.AVAILABLE) {
        queues.add(jobs.get(i).queue());
      }
    }
    return queues;
  }

  /**
   * After every enqueue on this node, transactional ones included: warns, once, if no live node
   * works a queue or kind of the jobs ({@link UnworkedQueueCheck}). Returns at once; never throws.
   */
  public void checkWorked(List<NewJob> jobs, List<Enqueued> result) {
    unworked.enqueued(jobs, result);
  }

  /** Wakes this node's producer of {@code queue}, if it has one; null wakes them all. */
  @Override
  public void wakeQueue(String queue) {
    if (queue == null) {
      producers.values().forEach(Producer::jobAvailable);
      return;
    }
    Producer producer = producers.get(queue);
    if (producer != null) {
      producer.jobAvailable();
    }
  }

  /**
   * Stops an attempt this node holds because the job is no longer ours (cancelled, lease lost):
   * interrupts it and drops whatever it returns.
   */
  @Override
  public void stopLocally(long id, String why) {
    for (Producer producer : producers.values()) {
      producer.stopLocally(id, why);
    }
  }

  /** {@link #stopLocally(long, String)} for several jobs, all marked before any is interrupted. */
  private void stopLocally(Set<Long> ids, String why) {
    for (Producer producer : producers.values()) {
      producer.stopLocally(ids, why);
    }
  }

  /** Interrupts every attempt past its deadline; called by the {@link TimeoutSweeper}. */
  private void interruptOverdue(long nowNanos) {
    for (Producer producer : producers.values()) {
      producer.interruptOverdue(nowNanos);
    }
  }

  /** The attempts this node holds, for the {@link LeaseKeeper}. */
  private List<JobRef> heldAttempts() {
    int count = 0;
    for (Producer producer : producers.values()) {
      count += producer.heldCount();
    }
    List<JobRef> refs = new ArrayList<>(count);
    for (Producer producer : producers.values()) {
      producer.addHeldTo(refs);
    }
    return refs;
  }

  private void closeSubscription() {
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception e) {
        log.warn("closing the store's notifier subscription failed", e);
      }
    }
  }
}
