package dev.errand.internal.memory;

import dev.errand.AttemptError;
import dev.errand.DependencyCounts;
import dev.errand.DependencyFailure;
import dev.errand.DuplicateJobException;
import dev.errand.Enqueued;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobOrder;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.NodeInfo;
import dev.errand.QueueInfo;
import dev.errand.UnknownDependencyException;
import dev.errand.spi.Capability;
import dev.errand.spi.ImportedJob;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobEdgesParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobFinishManyResult;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobImportParams;
import dev.errand.spi.JobInsertBatchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobPruneParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.JobRetryParams;
import dev.errand.spi.JobRules;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import dev.errand.spi.NewJob;
import dev.errand.spi.NodeListParams;
import dev.errand.spi.NodePruneParams;
import dev.errand.spi.NodeRemoveParams;
import dev.errand.spi.NodeReportParams;
import dev.errand.spi.Notifier;
import dev.errand.spi.Store;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A store in the process's memory, with the full semantics of the durable stores: the one unit
 * tests use, and a fit for applications that accept losing queued jobs on restart.
 *
 * <p>One lock guards everything: each call is short and touches few jobs, so a single lock is both
 * simple and fast enough (millions of operations per second). Secondary indexes keep every hot
 * operation logarithmic: available jobs per queue in fetch order, waiting jobs by run time, running
 * jobs by lease expiry, final jobs by finalization time.
 *
 * <p>Dependencies: each unfinished dependency maps to the jobs waiting on it. When it reaches a
 * final state the entry is removed and its dependents' counters updated under the same lock, so a
 * dependent leaves {@code PENDING} exactly once; a job nothing waits on has no entry and costs one
 * map lookup. Each job also keeps the ids it still waits on, so that {@link #jobEdges} reads both
 * directions of the same unresolved edges.
 */
public final class MemoryStore implements Store, Notifier {

  private static final Comparator<MutableJob> FETCH_ORDER =
      JobRules.fetchOrder(j -> j.priority, j -> j.scheduledAt, j -> j.id);
  private static final Comparator<MutableJob> SCHEDULE_ORDER =
      Comparator.comparing((MutableJob j) -> j.scheduledAt).thenComparingLong(j -> j.id);
  private static final Comparator<MutableJob> LEASE_ORDER =
      Comparator.comparing((MutableJob j) -> j.leaseExpiresAt).thenComparingLong(j -> j.id);
  private static final Comparator<MutableJob> FINALIZED_ORDER =
      Comparator.comparing((MutableJob j) -> j.finalizedAt).thenComparingLong(j -> j.id);

  private final ReentrantLock lock = new ReentrantLock();
  private final TreeMap<Long, MutableJob> jobs = new TreeMap<>();
  private final Map<String, NavigableSet<MutableJob>> availableByQueue = new HashMap<>();
  private final NavigableSet<MutableJob> waiting = new TreeSet<>(SCHEDULE_ORDER);
  private final NavigableSet<MutableJob> running = new TreeSet<>(LEASE_ORDER);
  private final NavigableSet<MutableJob> finished = new TreeSet<>(FINALIZED_ORDER);

  /** Each unique key to the job that holds it: one in a state of its own unique states. */
  private final Map<String, MutableJob> uniqueHolders = new HashMap<>();

  private final Set<String> pausedQueues = new HashSet<>();
  private final Map<String, Leadership> leaders = new HashMap<>();
  private final Map<String, NodeInfo> nodes = new TreeMap<>();
  private final Map<Long, List<Long>> dependentsOf = new HashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private long nextId = 1;

  @Override
  public Set<Capability> capabilities() {
    return Set.of(
        Capability.LISTEN_NOTIFY,
        Capability.UNIQUE_JOBS,
        Capability.DEPENDENCIES,
        Capability.NODE_REGISTRY);
  }

  @Override
  public Optional<Notifier> notifier() {
    return Optional.of(this);
  }

  @Override
  public AutoCloseable subscribe(Consumer<String> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public List<Enqueued> jobInsertMany(JobInsertManyParams params) {
    List<Enqueued> result = new ArrayList<>(params.jobs().size());
    Set<String> woken = new LinkedHashSet<>();
    lock.lock();
    try {
      checkDependenciesExist(params.jobs());
      for (NewJob n : params.jobs()) {
        result.add(insertLocked(n, params.now(), woken));
      }
    } finally {
      lock.unlock();
    }
    wake(woken);
    return result;
  }

  @Override
  public List<Enqueued> jobImport(JobImportParams params) {
    List<Enqueued> result = new ArrayList<>(params.jobs().size());
    Set<String> woken = new LinkedHashSet<>();
    lock.lock();
    try {
      for (ImportedJob imported : params.jobs()) {
        Enqueued enqueued = insertLocked(imported.job(), params.now(), woken);
        if (!enqueued.duplicate()) {
          MutableJob job = jobs.get(enqueued.id());
          unindex(job);
          job.attempt = imported.attempt();
          job.errors = imported.errors();
          if (imported.retrying()) {
            job.state = JobState.RETRYABLE;
          }
          index(job);
          enqueued = new Enqueued(job.id, job.state, false);
        }
        result.add(enqueued);
      }
    } finally {
      lock.unlock();
    }
    wake(woken);
    return result;
  }

  @Override
  public List<Enqueued> jobInsertBatch(JobInsertBatchParams params) {
    List<Enqueued> result = new ArrayList<>(params.members().size() + 1);
    Set<String> woken = new LinkedHashSet<>();
    lock.lock();
    try {
      checkDependenciesExist(params.members());
      List<Long> memberIds = new ArrayList<>(params.members().size());
      for (NewJob n : params.members()) {
        Enqueued member = insertLocked(n, params.now(), woken);
        result.add(member);
        memberIds.add(member.id());
      }
      NewJob callback = params.callback().withDependencies(memberIds, DependencyFailure.RUN);
      result.add(insertLocked(callback, params.now(), woken));
    } finally {
      lock.unlock();
    }
    wake(woken);
    return result;
  }

  @Override
  public List<JobInfo> jobFetch(JobFetchParams params) {
    lock.lock();
    try {
      if (pausedQueues.contains(params.queue())) {
        return List.of();
      }
      NavigableSet<MutableJob> available = availableByQueue.get(params.queue());
      if (available == null || available.isEmpty()) {
        return List.of();
      }
      List<JobInfo> claimed = new ArrayList<>(Math.min(params.limit(), available.size()));
      Iterator<MutableJob> it = available.iterator();
      while (it.hasNext() && claimed.size() < params.limit()) {
        MutableJob job = it.next();
        if (job.scheduledAt.isAfter(params.now())) {
          // Kept in fetch order by priority first, so a later-scheduled job may precede due ones.
          continue;
        }
        if (!params.kinds().isEmpty() && !params.kinds().contains(job.kind)) {
          continue;
        }
        it.remove();
        job.state = JobState.RUNNING;
        job.attempt++;
        job.attemptedAt = params.now();
        job.leaseOwner = params.owner();
        job.leaseExpiresAt = params.leaseExpiresAt();
        job.heartbeatAt = null;
        running.add(job);
        claimed.add(job.snapshot());
      }
      return claimed;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public JobFinishManyResult jobFinishMany(JobFinishManyParams params) {
    Set<Long> applied = new HashSet<>();
    Set<String> woken = new LinkedHashSet<>();
    List<JobFinish.Completed> withFollowUps = new ArrayList<>();
    lock.lock();
    try {
      for (JobFinish result : params.results()) {
        if (result instanceof JobFinish.Completed c && runningAt(c.ref()) != null) {
          checkDependenciesExist(c.followUps());
        }
      }
      for (JobFinish result : params.results()) {
        MutableJob job = runningAt(result.ref());
        if (job == null) {
          continue;
        }
        unindex(job);
        // Read before the lease is let go: an error this result writes ends this run.
        Instant startedAt = job.attemptedAt;
        String node = job.leaseOwner;
        job.leaseOwner = null;
        job.leaseExpiresAt = null;
        switch (result) {
          case JobFinish.Completed c -> {
            finalize(job, JobState.COMPLETED, c.at(), woken);
            if (!c.followUps().isEmpty()) {
              withFollowUps.add(c);
            }
          }
          case JobFinish.Failed f -> {
            job.addError(f.error().withRun(startedAt, node));
            if (f.retryAt() == null) {
              finalize(job, JobState.DISCARDED, f.at(), woken);
            } else {
              job.state = JobState.RETRYABLE;
              job.scheduledAt = f.retryAt();
            }
          }
          case JobFinish.Snoozed s -> {
            job.attempt--;
            job.scheduledAt = s.runAt();
            job.state = s.runAt().isAfter(s.at()) ? JobState.SCHEDULED : JobState.AVAILABLE;
          }
          case JobFinish.Cancelled c -> {
            job.addError(c.reason().withRun(startedAt, node));
            finalize(job, JobState.CANCELLED, c.at(), woken);
          }
          case JobFinish.Released r -> {
            job.attempt--;
            job.scheduledAt = r.at();
            job.state = JobState.AVAILABLE;
          }
        }
        if (job.state == JobState.AVAILABLE) {
          woken.add(job.queue);
        }
        index(job);
        applied.add(job.id);
      }
      // After every result is applied, as the durable stores do: a follow-up with its parent's
      // unique key then meets the parent in its final state, held or not by its unique states.
      for (JobFinish.Completed c : withFollowUps) {
        for (NewJob followUp : c.followUps()) {
          insertLocked(followUp, c.at(), woken);
        }
      }
    } finally {
      lock.unlock();
    }
    wake(woken);
    return new JobFinishManyResult(applied);
  }

  @Override
  public JobHeartbeatResult jobHeartbeat(JobHeartbeatParams params) {
    Set<Long> lost = new HashSet<>();
    lock.lock();
    try {
      for (JobRef ref : params.jobs()) {
        MutableJob job = runningAt(ref);
        if (job == null || !params.owner().equals(job.leaseOwner)) {
          lost.add(ref.id());
          continue;
        }
        running.remove(job);
        job.leaseExpiresAt = params.leaseExpiresAt();
        job.heartbeatAt = params.now();
        running.add(job);
      }
    } finally {
      lock.unlock();
    }
    return new JobHeartbeatResult(lost);
  }

  @Override
  public JobRescueResult jobRescueExpired(JobRescueParams params) {
    List<Long> retryable = new ArrayList<>();
    List<Long> discarded = new ArrayList<>();
    Set<String> woken = new LinkedHashSet<>();
    lock.lock();
    try {
      while (!running.isEmpty() && retryable.size() + discarded.size() < params.limit()) {
        MutableJob job = running.first();
        if (!job.leaseExpiresAt.isBefore(params.now())) {
          break;
        }
        unindex(job);
        job.addError(
            AttemptError.of(
                    job.attempt,
                    params.now(),
                    "lease_expired",
                    "lease of " + job.leaseOwner + " expired at " + job.leaseExpiresAt)
                .withRun(job.attemptedAt, job.leaseOwner));
        job.leaseOwner = null;
        job.leaseExpiresAt = null;
        if (job.attempt >= job.maxAttempts) {
          finalize(job, JobState.DISCARDED, params.now(), woken);
          discarded.add(job.id);
        } else {
          // Its run time is kept, so it keeps its place ahead of the jobs enqueued since.
          job.state = JobState.RETRYABLE;
          retryable.add(job.id);
        }
        index(job);
      }
    } finally {
      lock.unlock();
    }
    wake(woken);
    return new JobRescueResult(retryable, discarded);
  }

  @Override
  public JobStageResult jobStage(JobStageParams params) {
    Map<String, Integer> staged = new HashMap<>();
    lock.lock();
    try {
      int count = 0;
      while (!waiting.isEmpty() && count < params.limit()) {
        MutableJob job = waiting.first();
        if (job.scheduledAt.isAfter(params.now())) {
          break;
        }
        unindex(job);
        job.state = JobState.AVAILABLE;
        index(job);
        staged.merge(job.queue, 1, Integer::sum);
        count++;
      }
    } finally {
      lock.unlock();
    }
    wake(staged.keySet());
    return new JobStageResult(staged);
  }

  @Override
  public int jobPrune(JobPruneParams params) {
    lock.lock();
    try {
      int deleted = 0;
      Iterator<MutableJob> it = finished.iterator();
      while (it.hasNext() && deleted < params.limit()) {
        MutableJob job = it.next();
        Instant cutoff =
            switch (job.state) {
              case COMPLETED -> params.completedBefore();
              case DISCARDED -> params.discardedBefore();
              default -> params.cancelledBefore();
            };
        if (job.finalizedAt.isBefore(cutoff)) {
          it.remove();
          releaseUnique(job);
          jobs.remove(job.id);
          deleted++;
        } else if (!job.finalizedAt.isBefore(latest(params))) {
          break; // ordered by finalizedAt: nothing further can be past any cut-off
        }
      }
      return deleted;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<JobInfo> jobGet(long id) {
    lock.lock();
    try {
      MutableJob job = jobs.get(id);
      return job == null ? Optional.empty() : Optional.of(job.snapshot());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<JobInfo> jobList(JobQuery query) {
    lock.lock();
    try {
      List<JobInfo> page = new ArrayList<>();
      if (query.minId() > query.maxId()) {
        return page;
      }
      NavigableMap<Long, MutableJob> range = jobs.subMap(query.minId(), true, query.maxId(), true);
      if (query.order() == JobOrder.NEWEST_FIRST) {
        range = range.descendingMap();
      }
      for (MutableJob job : range.values()) {
        if ((query.states().isEmpty() || query.states().contains(job.state))
            && (query.queue() == null || query.queue().equals(job.queue))
            && (query.kind() == null || query.kind().equals(job.kind))) {
          // The cheap conditions first; the snapshot for the others (tag, metadata, args).
          JobInfo snapshot = job.snapshot();
          if (query.matches(snapshot)) {
            page.add(snapshot);
            if (page.size() >= query.limit()) {
              break;
            }
          }
        }
      }
      return page;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<JobInfo> jobCancel(JobCancelParams params) {
    Set<String> woken = new LinkedHashSet<>();
    try {
      return cancelLocked(params, woken);
    } finally {
      wake(woken);
    }
  }

  private Optional<JobInfo> cancelLocked(JobCancelParams params, Set<String> woken) {
    lock.lock();
    try {
      MutableJob job = jobs.get(params.id());
      if (job == null) {
        return Optional.empty();
      }
      if (!job.state.isFinal()) {
        unindex(job);
        job.addError(AttemptError.of(job.attempt, params.now(), "cancelled", params.reason()));
        // No longer running, so no lease: the holder's heartbeat reports the job lost, and its
        // result is fenced out, because the job is no longer RUNNING at its attempt.
        job.leaseOwner = null;
        job.leaseExpiresAt = null;
        finalize(job, JobState.CANCELLED, params.now(), woken);
        index(job);
      }
      return Optional.of(job.snapshot());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<JobInfo> jobRetry(JobRetryParams params) {
    String woken = null;
    Optional<JobInfo> result;
    lock.lock();
    try {
      MutableJob job = jobs.get(params.id());
      if (job == null) {
        return Optional.empty();
      }
      if (job.state != JobState.RUNNING) {
        MutableJob holder = job.uniqueKey != null ? uniqueHolders.get(job.uniqueKey) : null;
        if (holder != null && holder != job) {
          throw new DuplicateJobException(job.id, holder.id);
        }
        unindex(job);
        job.state = JobState.AVAILABLE;
        job.scheduledAt = params.now();
        job.finalizedAt = null;
        job.leaseOwner = null;
        job.leaseExpiresAt = null;
        if (job.attempt >= job.maxAttempts) {
          job.maxAttempts = job.attempt + 1;
        }
        index(job);
        woken = job.queue;
      }
      result = Optional.of(job.snapshot());
    } finally {
      lock.unlock();
    }
    if (woken != null) {
      wake(Set.of(woken));
    }
    return result;
  }

  @Override
  public boolean jobDelete(JobDeleteParams params) {
    Set<String> woken = new LinkedHashSet<>();
    lock.lock();
    try {
      MutableJob job = jobs.get(params.id());
      if (job == null || job.state == JobState.RUNNING) {
        return false;
      }
      unindex(job);
      jobs.remove(params.id());
      // A job deleted before it finished never completes: its dependents count it as cancelled.
      resolveDependents(job.id, JobState.CANCELLED, params.now(), woken);
      return true;
    } finally {
      lock.unlock();
      wake(woken);
    }
  }

  @Override
  public void queuePause(String queue) {
    lock.lock();
    try {
      pausedQueues.add(queue);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void queueResume(String queue) {
    lock.lock();
    try {
      pausedQueues.remove(queue);
    } finally {
      lock.unlock();
    }
    wake(Set.of(queue));
  }

  @Override
  public List<QueueInfo> queueList() {
    lock.lock();
    try {
      Map<String, Map<JobState, Long>> counts = new TreeMap<>();
      for (String queue : pausedQueues) {
        counts.put(queue, new EnumMap<>(JobState.class));
      }
      for (MutableJob job : jobs.values()) {
        counts
            .computeIfAbsent(job.queue, q -> new EnumMap<>(JobState.class))
            .merge(job.state, 1L, Long::sum);
      }
      List<QueueInfo> result = new ArrayList<>(counts.size());
      counts.forEach(
          (queue, byState) ->
              result.add(new QueueInfo(queue, pausedQueues.contains(queue), byState)));
      return result;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean leaderElect(LeaderElectParams params) {
    lock.lock();
    try {
      Leadership current = leaders.get(params.name());
      if (current == null
          || current.owner().equals(params.owner())
          || current.expiresAt().isBefore(params.now())) {
        leaders.put(params.name(), new Leadership(params.owner(), params.expiresAt()));
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void leaderResign(LeaderResignParams params) {
    lock.lock();
    try {
      Leadership current = leaders.get(params.name());
      if (current != null && current.owner().equals(params.owner())) {
        leaders.remove(params.name());
      }
    } finally {
      lock.unlock();
    }
  }

  private record Leadership(String owner, Instant expiresAt) {}

  @Override
  public void nodeReport(NodeReportParams params) {
    NodeInfo node =
        new NodeInfo(
            params.nodeId(),
            params.queues(),
            params.kinds(),
            params.startedAt(),
            params.now(),
            params.expiresAt(),
            params.leader(),
            params.periodicJobs(),
            params.attempts());
    lock.lock();
    try {
      nodes.put(node.id(), node);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void nodeRemove(NodeRemoveParams params) {
    lock.lock();
    try {
      nodes.remove(params.nodeId());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<NodeInfo> nodeList(NodeListParams params) {
    lock.lock();
    try {
      List<NodeInfo> live = new ArrayList<>(nodes.size());
      for (NodeInfo node : nodes.values()) {
        if (!node.expiresAt().isBefore(params.now())) {
          live.add(node);
        }
      }
      return live;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int nodePrune(NodePruneParams params) {
    lock.lock();
    try {
      int before = nodes.size();
      nodes.values().removeIf(node -> node.expiresAt().isBefore(params.now()));
      return before - nodes.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    listeners.clear();
  }

  @Override
  public JobEdges jobEdges(JobEdgesParams params) {
    lock.lock();
    try {
      MutableJob job = jobs.get(params.id());
      if (job == null) {
        return JobEdges.NONE;
      }
      int oneExtra = params.limit() + 1;
      List<Long> dependencies = job.waitsOn.stream().limit(oneExtra).toList();
      // dependentsOf keeps a dependent deleted while it waited until the dependency ends; the
      // SQL stores drop its rows with it, so it is left out here too.
      List<Long> dependents =
          dependentsOf.getOrDefault(job.id, List.of()).stream()
              .filter(jobs::containsKey)
              .sorted()
              .limit(oneExtra)
              .toList();
      return JobEdges.fromOneExtra(dependencies, dependents, params.limit());
    } finally {
      lock.unlock();
    }
  }

  private void checkDependenciesExist(List<NewJob> newJobs) {
    for (NewJob n : newJobs) {
      for (long dependency : n.dependsOn()) {
        if (!jobs.containsKey(dependency)) {
          throw new UnknownDependencyException(dependency);
        }
      }
    }
  }

  private Enqueued insertLocked(NewJob n, Instant now, Set<String> woken) {
    if (n.isUnique()) {
      MutableJob holder = uniqueHolders.get(n.uniqueKey());
      if (holder != null) {
        return new Enqueued(holder.id, holder.state, true);
      }
    }
    MutableJob job = new MutableJob(nextId++, n, now);
    jobs.put(job.id, job);
    Map<Long, JobState> states = n.dependsOn().isEmpty() ? Map.of() : new HashMap<>();
    for (long id : n.dependsOn()) {
      JobState state = jobs.get(id).state;
      states.put(id, state);
      if (!state.isFinal()) {
        dependentsOf.computeIfAbsent(id, k -> new ArrayList<>()).add(job.id);
        job.waitsOn.add(id);
      }
    }
    NewJob.Start start = n.start(states, now);
    job.state = start.state();
    job.dependencies = start.dependencies();
    if (start.cancellation() != null) {
      job.addError(start.cancellation());
      job.finalizedAt = now;
    } else if (job.state == JobState.AVAILABLE) {
      woken.add(job.queue);
    }
    index(job);
    return new Enqueued(job.id, job.state, false);
  }

  /**
   * Counts the end of job {@code id} in every job waiting on it: one whose last dependency ended
   * becomes runnable, one with policy CANCEL is cancelled by a failed dependency, and that
   * cancellation is passed on to its own dependents.
   */
  private void resolveDependents(long id, JobState outcome, Instant at, Set<String> woken) {
    if (!dependentsOf.containsKey(id)) {
      return; // the common case: nothing waits on this job
    }
    Deque<Long> cancelled = new ArrayDeque<>();
    long endedId = id;
    JobState endedAs = outcome;
    while (true) {
      List<Long> dependents = dependentsOf.remove(endedId);
      for (long dependentId : dependents == null ? List.<Long>of() : dependents) {
        MutableJob dependent = jobs.get(dependentId);
        if (dependent == null) {
          continue; // deleted while it waited
        }
        dependent.waitsOn.remove(endedId);
        dependent.dependencies = JobRules.counted(dependent.dependencies, endedAs);
        JobState next =
            JobRules.afterDependencyEnded(
                dependent.state,
                endedAs,
                dependent.ifDependencyFails == DependencyFailure.CANCEL,
                dependent.dependencies.waiting(),
                dependent.scheduledAt,
                at);
        if (next == dependent.state) {
          continue;
        }
        unindex(dependent);
        dependent.state = next;
        if (next == JobState.CANCELLED) {
          dependent.addError(DependencyFailure.cancellation(endedId, endedAs, at));
          dependent.finalizedAt = at;
          cancelled.add(dependent.id);
        } else if (next == JobState.AVAILABLE) {
          woken.add(dependent.queue);
        }
        index(dependent);
      }
      if (cancelled.isEmpty()) {
        return;
      }
      endedId = cancelled.poll();
      endedAs = JobState.CANCELLED;
    }
  }

  private MutableJob runningAt(JobRef ref) {
    MutableJob job = jobs.get(ref.id());
    if (job == null || job.state != JobState.RUNNING || job.attempt != ref.attempt()) {
      return null;
    }
    return job;
  }

  private void finalize(MutableJob job, JobState state, Instant at, Set<String> woken) {
    job.state = state;
    job.finalizedAt = at;
    resolveDependents(job.id, state, at, woken);
  }

  private void index(MutableJob job) {
    switch (job.state) {
      case AVAILABLE ->
          availableByQueue.computeIfAbsent(job.queue, q -> new TreeSet<>(FETCH_ORDER)).add(job);
      case SCHEDULED, RETRYABLE -> waiting.add(job);
      case RUNNING -> running.add(job);
      case COMPLETED, DISCARDED, CANCELLED -> finished.add(job);
      case PENDING -> {} // found through dependentsOf only
    }
    if (job.uniqueKey != null && job.uniqueStates.contains(job.state)) {
      uniqueHolders.put(job.uniqueKey, job);
    }
  }

  private void unindex(MutableJob job) {
    switch (job.state) {
      case AVAILABLE -> {
        NavigableSet<MutableJob> available = availableByQueue.get(job.queue);
        if (available != null) {
          available.remove(job);
        }
      }
      case SCHEDULED, RETRYABLE -> waiting.remove(job);
      case RUNNING -> running.remove(job);
      case COMPLETED, DISCARDED, CANCELLED -> finished.remove(job);
      case PENDING -> {}
    }
    releaseUnique(job);
  }

  /** Frees the job's unique key if it holds it; every state change calls it via unindex. */
  private void releaseUnique(MutableJob job) {
    if (job.uniqueKey != null) {
      uniqueHolders.remove(job.uniqueKey, job);
    }
  }

  private static Instant latest(JobPruneParams params) {
    Instant latest = params.completedBefore();
    if (params.discardedBefore().isAfter(latest)) {
      latest = params.discardedBefore();
    }
    if (params.cancelledBefore().isAfter(latest)) {
      latest = params.cancelledBefore();
    }
    return latest;
  }

  private void wake(Set<String> queues) {
    for (String queue : queues) {
      for (Consumer<String> listener : listeners) {
        listener.accept(queue);
      }
    }
  }

  /** A job's state under the store's lock; {@link #snapshot()} is what leaves the lock. */
  private static final class MutableJob {
    final long id;
    final String kind;
    final String queue;
    final String argsJson;
    final int priority;
    final Instant createdAt;
    final List<String> tags;
    final Map<String, String> metadata;
    final String uniqueKey;
    final Set<JobState> uniqueStates;
    JobState state;
    int attempt;
    int maxAttempts;
    Instant scheduledAt;
    Instant attemptedAt;
    Instant finalizedAt;
    String leaseOwner;
    Instant leaseExpiresAt;
    Instant heartbeatAt;
    List<AttemptError> errors = List.of();
    final DependencyFailure ifDependencyFails;
    DependencyCounts dependencies = DependencyCounts.NONE;

    /** The dependencies that have not ended yet: the other end of dependentsOf, for jobEdges. */
    final NavigableSet<Long> waitsOn = new TreeSet<>();

    MutableJob(long id, NewJob n, Instant now) {
      this.id = id;
      this.kind = n.kind();
      this.queue = n.queue();
      this.argsJson = n.argsJson();
      this.priority = n.priority();
      this.createdAt = now;
      this.tags = n.tags();
      this.metadata = n.metadata();
      this.maxAttempts = n.maxAttempts();
      this.scheduledAt = n.scheduledAt();
      this.uniqueKey = n.uniqueKey();
      this.uniqueStates = n.uniqueStates();
      this.ifDependencyFails = n.ifDependencyFails();
    }

    void addError(AttemptError error) {
      List<AttemptError> copy = new ArrayList<>(errors.size() + 1);
      copy.addAll(errors);
      copy.add(error);
      errors = List.copyOf(copy);
    }

    JobInfo snapshot() {
      return new JobInfo(
          id,
          kind,
          queue,
          state,
          argsJson,
          priority,
          attempt,
          maxAttempts,
          createdAt,
          scheduledAt,
          attemptedAt,
          finalizedAt,
          leaseOwner,
          leaseExpiresAt,
          tags,
          metadata,
          errors,
          dependencies,
          uniqueKey,
          heartbeatAt);
    }
  }
}
