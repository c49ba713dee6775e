package dev.errand.internal.engine;

import dev.errand.Config;
import dev.errand.Enqueued;
import dev.errand.Enqueuer;
import dev.errand.Errand;
import dev.errand.JobEvent;
import dev.errand.JobInfo;
import dev.errand.JobListener;
import dev.errand.QueueConfig;
import dev.errand.internal.maintain.JobPruner;
import dev.errand.internal.maintain.JobRescuer;
import dev.errand.internal.maintain.JobStager;
import dev.errand.internal.maintain.LeaderElector;
import dev.errand.internal.maintain.NodeReporter;
import dev.errand.internal.maintain.PeriodicEnqueuer;
import dev.errand.spi.Capability;
import dev.errand.spi.JobRef;
import dev.errand.spi.NewJob;
import dev.errand.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs for one {@link Errand}: a {@link Producer} per queue, one {@link Completer}, one {@link
 * LeaseKeeper} and the maintenance services, plus the attempts this node holds. Internal: use
 * {@link Errand}.
 */
public final class Engine {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);
  private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(10);

  private final Config config;
  private final AttemptRunner runner;
  private final Map<String, Producer> producers = new LinkedHashMap<>();
  private final Map<Long, HeldAttempt> held = new ConcurrentHashMap<>();
  private final Completer completer = new Completer(this);
  private final LeaseKeeper leaseKeeper;
  private final List<Service> maintenance = new ArrayList<>();
  private final LeaderElector elector;

  /** Null when the store keeps no node registry. */
  private final NodeReporter reporter;

  private final Wakeup attemptEnded = new Wakeup();
  private final TimeoutSweeper timeouts = new TimeoutSweeper(this::interruptOverdue);
  private final UnworkedQueueCheck unworked;

  /** The store's notifier subscription once started; read by enqueuing threads. */
  private volatile AutoCloseable subscription;

  public Engine(Config config, Enqueuer enqueuer, JobEncoder encoder) {
    this.config = config;
    this.runner = new AttemptRunner(config, encoder, enqueuer);
    this.leaseKeeper =
        new LeaseKeeper(config, this::heldAttempts, id -> stopLocally(id, LeaseKeeper.LOST));
    // The leader's services run a pass as soon as this node is elected.
    List<Service> leaderServices = new ArrayList<>();
    this.elector = new LeaderElector(config, () -> leaderServices.forEach(Service::wake));
    for (QueueConfig queue : config.queues().values()) {
      producers.put(queue.name(), new Producer(queue, this));
    }
    // The stager runs on every node: staging is idempotent and wakes local producers at once.
    maintenance.add(new JobStager(config, this::wakeQueue));
    leaderServices.add(new JobRescuer(config, elector::isLeader));
    leaderServices.add(new JobPruner(config, elector::isLeader));
    if (!config.periodicJobs().isEmpty()) {
      leaderServices.add(new PeriodicEnqueuer(config, encoder, elector::isLeader));
    }
    maintenance.addAll(leaderServices);
    maintenance.add(elector);
    this.reporter =
        config.store().capabilities().contains(Capability.NODE_REGISTRY)
            ? new NodeReporter(config, elector::isLeader)
            : null;
    this.unworked = new UnworkedQueueCheck(config);
  }

  Config config() {
    return config;
  }

  Store store() {
    return config.store();
  }

  /**
   * Starts fetching and the background services. Without queues only the maintenance services
   * start: such a node may serve external workers ({@link dev.errand.Leases}), whose expired leases
   * must be rescued and whose retried jobs must be staged.
   */
  public void start() {
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
    awaitRunningAttempts(deadline);
    int released = releaseRunningAttempts();
    if (released > 0) {
      log.warn(
          "{} jobs still ran after the drain period of {}; interrupted them and made them"
              + " available again",
          released,
          drain);
    }
    for (Producer producer : producers.values()) {
      producer.executor().shutdownNow();
    }
    completer.stop(Duration.ofSeconds(5));
    completer.flush(FLUSH_TIMEOUT);
    leaseKeeper.stop(Duration.ofSeconds(5));
    timeouts.stop(Duration.ofSeconds(1));
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
   * Before an enqueue on this node into {@code queues}: what the enqueue must tell {@link
   * #enqueued} afterwards. With a notifier, each producer here expects the store's announcement of
   * it, so that the announcement does not wake it a second time.
   */
  public Map<String, Object> enqueuing(Set<String> queues) {
    if (subscription == null) {
      return Map.of();
    }
    Map<String, Object> echoes = new HashMap<>();
    for (String queue : queues) {
      Producer producer = producers.get(queue);
      if (producer != null) {
        echoes.put(queue, producer.expectEcho());
      }
    }
    return echoes;
  }

  /**
   * After an enqueue on this node: wakes the producers of the queues that received available jobs
   * ({@code available}; empty when the enqueue failed) at once, without waiting for the store's
   * announcement, and withdraws the expectation of the others.
   */
  public void enqueued(Map<String, Object> echoes, Set<String> available) {
    echoes.forEach(
        (queue, echo) -> {
          if (!available.contains(queue)) {
            producers.get(queue).cancelEcho((Producer.Echo) echo);
          }
        });
    available.forEach(this::wakeQueue);
  }

  /**
   * After every enqueue on this node, transactional ones included: warns, once, if no live node
   * works a queue or kind of the jobs ({@link UnworkedQueueCheck}). Returns at once; never throws.
   */
  public void checkWorked(List<NewJob> jobs, List<Enqueued> result) {
    unworked.enqueued(jobs, result);
  }

  /** Wakes this node's producer of {@code queue}, if it has one; null wakes them all. */
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
  public void stopLocally(long id, String why) {
    HeldAttempt job = held.get(id);
    if (job == null || job.settled.get()) {
      return;
    }
    job.cancelled = true;
    log.info("stopping job {} ({}) because {}", id, job.info.kind(), why);
    job.interrupt();
  }

  /** Interrupts every attempt past its deadline; called by the {@link TimeoutSweeper}. */
  private void interruptOverdue(long nowNanos) {
    for (HeldAttempt job : held.values()) {
      long deadline = job.deadlineNanos;
      if (deadline != 0 && nowNanos - deadline > 0 && !job.timedOut) {
        job.timedOut = true;
        job.interrupt();
      }
    }
  }

  private List<JobRef> heldAttempts() {
    List<JobRef> refs = new ArrayList<>(held.size());
    for (HeldAttempt job : held.values()) {
      refs.add(job.ref());
    }
    return refs;
  }

  /**
   * Takes a claimed attempt into this node's keeping: from here on its lease is renewed, and
   * cancellation and shutdown reach it, whether it runs at once or waits for a slot.
   */
  HeldAttempt hold(JobInfo info, Producer producer) {
    HeldAttempt job = new HeldAttempt(info, producer);
    held.put(info.id(), job);
    return job;
  }

  /** Runs a held attempt in one of its producer's slots. */
  void launch(HeldAttempt job) {
    try {
      job.producer.executor().execute(() -> run(job));
    } catch (RejectedExecutionException e) {
      job.producer.slotFreed();
      release(job);
    }
  }

  /** Called by the completer for each result, once written (or fenced out). */
  void written(HeldAttempt attempt, boolean applied) {
    held.remove(attempt.info.id(), attempt);
    attempt.producer.resultWritten();
    if (!applied) {
      log.info(
          "result of job {} attempt {} was not recorded: the job is no longer ours",
          attempt.info.id(),
          attempt.info.attempt());
      return;
    }
    AttemptResult result = attempt.result;
    if (result.result() == JobEvent.Result.RETRYING
        || result.result() == JobEvent.Result.DISCARDED) {
      log.warn(
          "job {} ({}) attempt {} failed{}: {}: {}",
          attempt.info.id(),
          attempt.info.kind(),
          attempt.info.attempt(),
          result.result() == JobEvent.Result.DISCARDED ? " for good" : ", will retry",
          result.error().errorClass(),
          result.error().message());
    }
    JobEvent event = new JobEvent(attempt.info, result.result(), result.duration(), result.error());
    for (JobListener listener : config.listeners()) {
      try {
        listener.onJobEvent(event);
      } catch (RuntimeException e) {
        log.warn("job listener {} threw; ignored", listener, e);
      }
    }
  }

  private void run(HeldAttempt job) {
    // Cancelled, or its lease lost, while it waited for a slot: it must not start.
    if (job.cancelled && job.settled.compareAndSet(false, true)) {
      held.remove(job.info.id(), job);
      job.producer.resultWritten();
    }
    if (job.settled.get()) {
      job.producer.slotFreed();
      attemptEnded.signal();
      return;
    }
    AttemptResult result = runner.run(job);
    if (job.settled.compareAndSet(false, true)) {
      if (job.cancelled) {
        held.remove(job.info.id(), job);
        job.producer.resultWritten();
      } else {
        job.result = result;
        completer.submit(job);
      }
    }
    job.producer.slotFreed();
    attemptEnded.signal();
  }

  private void awaitRunningAttempts(long deadline) {
    while (countUnsettled() > 0) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return;
      }
      try {
        attemptEnded.await(
            Duration.ofNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(100))));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private int countUnsettled() {
    int count = 0;
    for (HeldAttempt job : held.values()) {
      if (!job.settled.get()) {
        count++;
      }
    }
    return count;
  }

  private int releaseRunningAttempts() {
    int released = 0;
    for (HeldAttempt job : held.values()) {
      if (release(job)) {
        job.interrupt();
        released++;
      }
    }
    return released;
  }

  /** Gives a held attempt back to the store as available, unless its fate is already decided. */
  boolean release(HeldAttempt job) {
    if (!job.settled.compareAndSet(false, true)) {
      return false;
    }
    job.result = AttemptResult.released(job.ref(), config.clock().instant(), job.elapsed());
    completer.submit(job);
    return true;
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
