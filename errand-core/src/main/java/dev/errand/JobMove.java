package dev.errand;

import dev.errand.internal.engine.UniqueKeys;
import dev.errand.spi.ImportedJob;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobImportParams;
import dev.errand.spi.NewJob;
import dev.errand.spi.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Moves the jobs that wait to run — {@code AVAILABLE}, {@code SCHEDULED} and {@code RETRYABLE} —
 * from one store to another, each keeping its kind, args, queue, priority, run time, attempts,
 * errors, tags and metadata: {@code JobMove.from(old).to(new).run()}.
 *
 * <p>It is safe to kill at any point and run again: each job is written to the new store under a
 * unique key naming where it came from ({@link ImportedJob}), then deleted from the old one, so a
 * job written before the kill but not yet deleted is found again, not written twice. So every job
 * ends up exactly once in the new store, and nowhere in the old — as long as the new store keeps
 * the moved job until the move is run again (its retention of finished jobs).
 *
 * <p>Move while no node works the old store's queues: a job that an old node takes while it is
 * being moved stays in the old store, its copy in the new one is deleted again, and {@link
 * Summary#takenInSource()} counts it; if that copy ran already in the new store, {@link
 * Summary#inBoth()} counts it. To move jobs while old nodes still work them, drain instead ({@link
 * Config.Builder#drainFrom}). A source with jobs that wait on others ({@code PENDING}, such as a
 * batch's callback) is refused: their dependencies' ids mean nothing in the new store, and deleting
 * those dependencies from the old one would release them early; drain such a source. A moved job no
 * longer holds the unique key it had in the old store.
 *
 * <p>Not thread-safe; one move at a time per instance (two moves of the same stores at once are
 * safe, each job moves once).
 */
public final class JobMove {
  /** The states moved unless {@link #states} says otherwise. */
  public static final Set<JobState> MOVABLE_STATES =
      Set.copyOf(EnumSet.of(JobState.AVAILABLE, JobState.SCHEDULED, JobState.RETRYABLE));

  /** Jobs read, written and deleted per round unless {@link #pageSize} says otherwise. */
  public static final int DEFAULT_PAGE_SIZE = 500;

  private final Store source;
  private Store target;
  private Set<JobState> states = MOVABLE_STATES;
  private String queue;
  private int pageSize = DEFAULT_PAGE_SIZE;
  private Clock clock = Clock.systemUTC();
  private Consumer<Summary> progress = summary -> {};

  private JobMove(Store source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  /** A move out of {@code source}. */
  public static JobMove from(Store source) {
    return new JobMove(source);
  }

  /** Into {@code target}, which must not be the source. */
  public JobMove to(Store target) {
    if (Objects.requireNonNull(target, "target") == source) {
      throw new IllegalArgumentException("a move needs two stores; source and target are one");
    }
    this.target = target;
    return this;
  }

  /** Only the jobs of this queue (default: every queue). */
  public JobMove queue(String queue) {
    this.queue = Objects.requireNonNull(queue, "queue");
    return this;
  }

  /** Only jobs in these states, a non-empty subset of {@link #MOVABLE_STATES}. */
  public JobMove states(Set<JobState> states) {
    if (states.isEmpty() || !MOVABLE_STATES.containsAll(states)) {
      throw new IllegalArgumentException(
          "states must be a non-empty subset of " + MOVABLE_STATES + ", were " + states);
    }
    this.states = Set.copyOf(states);
    return this;
  }

  /** Jobs per round, 1 to {@link JobQuery#MAX_LIMIT}. */
  public JobMove pageSize(int pageSize) {
    if (pageSize < 1 || pageSize > JobQuery.MAX_LIMIT) {
      throw new IllegalArgumentException(
          "pageSize must be within 1.." + JobQuery.MAX_LIMIT + ", was " + pageSize);
    }
    this.pageSize = pageSize;
    return this;
  }

  /** The clock whose time the move writes as the jobs' import time (default: the system's). */
  public JobMove clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** Called on the moving thread after each round with the totals so far. */
  public JobMove onProgress(Consumer<Summary> progress) {
    this.progress = Objects.requireNonNull(progress, "progress");
    return this;
  }

  /**
   * Moves every matching job, round after round, until the source has none left; returns what it
   * did. Jobs that become due in the source while it runs are moved too.
   *
   * @throws StoreException if either store fails; what was moved stays moved, and running the move
   *     again goes on where it stopped
   * @throws IllegalStateException if the source has jobs waiting on others
   */
  public Summary run() {
    if (target == null) {
      throw new IllegalStateException("no target store: call to(store) before run()");
    }
    // Deleting a job from the source counts it as cancelled for the jobs waiting on it there,
    // which would release (or cancel) them before it ran in the target.
    if (!source.jobList(JobQuery.all().withStates(JobState.PENDING).withLimit(1)).isEmpty()) {
      throw new IllegalStateException(
          "the source store has jobs that wait on other jobs (pending): moving the jobs they wait"
              + " on would release or cancel them early; let them run there (drain the source"
              + " with Config.Builder.drainFrom), then move");
    }
    Summary total = new Summary(0, 0, 0, 0);
    long afterId = 0;
    while (true) {
      List<JobInfo> page = source.jobList(new JobQuery(states, queue, null, afterId, pageSize));
      if (page.isEmpty()) {
        return total;
      }
      afterId = page.get(page.size() - 1).id();
      total = total.plus(movePage(page));
      progress.accept(total);
    }
  }

  private Summary movePage(List<JobInfo> page) {
    Instant now = clock.instant();
    List<ImportedJob> imports = new ArrayList<>(page.size());
    for (JobInfo job : page) {
      imports.add(imported(job));
    }
    List<Enqueued> stored = target.jobImport(new JobImportParams(imports, now));
    long moved = 0;
    long alreadyMoved = 0;
    long takenInSource = 0;
    long inBoth = 0;
    for (int i = 0; i < page.size(); i++) {
      JobInfo job = page.get(i);
      Enqueued copy = stored.get(i);
      if (source.jobDelete(new JobDeleteParams(job.id(), now))) {
        if (copy.duplicate()) {
          alreadyMoved++;
        } else {
          moved++;
        }
      } else if (source.jobGet(job.id()).isEmpty()) {
        // Deleted by another move of the same stores, which found this same copy.
        alreadyMoved++;
      } else if (target.jobDelete(new JobDeleteParams(copy.id(), now))) {
        takenInSource++;
      } else {
        inBoth++;
      }
    }
    return new Summary(moved, alreadyMoved, takenInSource, inBoth);
  }

  private static ImportedJob imported(JobInfo job) {
    NewJob newJob =
        new NewJob(
            job.kind(),
            job.queue(),
            job.argsJson(),
            job.priority(),
            job.scheduledAt(),
            job.maxAttempts(),
            job.tags(),
            job.metadata(),
            UniqueKeys.ofMovedJob(job.id(), job.kind(), job.createdAt()),
            EnumSet.allOf(JobState.class),
            List.of(),
            DependencyFailure.CANCEL);
    return new ImportedJob(newJob, job.state() == JobState.RETRYABLE, job.attempt(), job.errors());
  }

  /**
   * What a move did.
   *
   * @param moved jobs written to the target and deleted from the source
   * @param alreadyMoved jobs found in the target already (written by a move that was stopped before
   *     it deleted them), now deleted from the source
   * @param takenInSource jobs a source node took while they were being moved: left in the source,
   *     their copies deleted from the target
   * @param inBoth jobs a source node took while their copies already ran in the target
   */
  public record Summary(long moved, long alreadyMoved, long takenInSource, long inBoth) {
    Summary plus(Summary other) {
      return new Summary(
          moved + other.moved,
          alreadyMoved + other.alreadyMoved,
          takenInSource + other.takenInSource,
          inBoth + other.inBoth);
    }
  }
}
