package dev.errand.spi;

import dev.errand.DependencyCounts;
import dev.errand.JobInfo;
import dev.errand.JobState;
import java.time.Instant;
import java.util.Comparator;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The rules every store must apply identically, written once: the order jobs are fetched in, how a
 * dependency's end counts in the jobs waiting on it, and what a waiting job does then. A store
 * working in Java calls these; a SQL store that applies a rule set-based in a statement (the
 * PostgreSQL store's {@code JobDependentsResolve}, every store's fetch {@code ORDER BY}) says so
 * beside that statement, and the contract's fetch and dependency areas hold each store to the same
 * answers. {@link NewJob#start} is the insert-time rule and uses the same pieces.
 */
public final class JobRules {

  private JobRules() {}

  /**
   * The fetch order: lower priority number first, then earlier {@code scheduled_at}, then lower id
   * (which, within one scheduled time, is the enqueue order).
   */
  public static final Comparator<JobInfo> FETCH_ORDER =
      fetchOrder(JobInfo::priority, JobInfo::scheduledAt, JobInfo::id);

  /** {@link #FETCH_ORDER} over a store's own row type. */
  public static <T> Comparator<T> fetchOrder(
      ToIntFunction<T> priority, Function<T, Instant> scheduledAt, ToLongFunction<T> id) {
    return Comparator.comparingInt(priority).thenComparing(scheduledAt).thenComparingLong(id);
  }

  /**
   * Whether a dependency that ended in {@code state} failed its dependents: it did not complete.
   */
  public static boolean failsDependents(JobState state) {
    return state == JobState.DISCARDED || state == JobState.CANCELLED;
  }

  /**
   * The state a job takes once nothing holds it back (no unfinished dependency): {@code SCHEDULED}
   * while its run time is after {@code now}, else {@code AVAILABLE}.
   */
  public static JobState runnableState(Instant scheduledAt, Instant now) {
    return scheduledAt.isAfter(now) ? JobState.SCHEDULED : JobState.AVAILABLE;
  }

  /**
   * {@code counts} of a waiting job after one of its dependencies ended as {@code endedAs}: one
   * fewer waiting, one more completed, discarded or cancelled (a deleted dependency counts as
   * cancelled: pass {@code CANCELLED} for it).
   */
  public static DependencyCounts counted(DependencyCounts counts, JobState endedAs) {
    return switch (endedAs) {
      case COMPLETED ->
          new DependencyCounts(
              counts.waiting() - 1, counts.completed() + 1, counts.discarded(), counts.cancelled());
      case DISCARDED ->
          new DependencyCounts(
              counts.waiting() - 1, counts.completed(), counts.discarded() + 1, counts.cancelled());
      case CANCELLED ->
          new DependencyCounts(
              counts.waiting() - 1, counts.completed(), counts.discarded(), counts.cancelled() + 1);
      default ->
          throw new IllegalArgumentException(
              "a dependency ends completed, discarded or cancelled, not " + endedAs);
    };
  }

  /**
   * What a job in {@code state} does when one of its dependencies ends as {@code endedAs}, after
   * that end was {@link #counted} ({@code stillWaiting} dependencies left): only a {@code PENDING}
   * job moves (one cancelled or retried by hand meanwhile just counts); with policy {@code CANCEL}
   * ({@code cancelOnFailure}) a failed dependency cancels it, and that cancellation is in turn a
   * dependency's end for its own dependents; when the last dependency ended it becomes {@link
   * #runnableState runnable}; else it keeps waiting.
   *
   * @return the state to move to, or {@code state} itself when it stays
   */
  public static JobState afterDependencyEnded(
      JobState state,
      JobState endedAs,
      boolean cancelOnFailure,
      int stillWaiting,
      Instant scheduledAt,
      Instant now) {
    if (state != JobState.PENDING) {
      return state;
    }
    if (cancelOnFailure && failsDependents(endedAs)) {
      return JobState.CANCELLED;
    }
    return stillWaiting > 0 ? JobState.PENDING : runnableState(scheduledAt, now);
  }
}
