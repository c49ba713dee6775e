package dev.errand.postgres;

import dev.errand.JobInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Where each queue's next claim starts in {@code job_fetch_idx}, so that its cost does not grow
 * with the jobs claimed before it.
 *
 * <p>Why: a claimed job's entry stays in the partial fetch index, dead, until VACUUM removes it,
 * and on a big table VACUUM runs rarely (it took 7 s on a 1,000,000-job table). A claim that walks
 * the index from its start passes every one of them: in a burn-down of 1,000,000 jobs the walk grew
 * to 5,000 index pages and a claim of 135 jobs to 9 ms, more than half of PostgreSQL's time. So a
 * claim starts at the key (priority, scheduled_at, id) of the last job this store claimed from the
 * queue, and the index walk begins there: everything before it was claimed.
 *
 * <p>Jobs enqueued here at a higher priority than that key (urgent jobs arriving during a backlog)
 * do not move it back: the claim first takes them from a second start, {@link Start#ahead}, in a
 * walk that ends before the key's priority, and then continues at the key. Moving the one start
 * back to them instead made the claim after each urgent job walk the backlog's dead entries again,
 * from the head of the backlog's priority.
 *
 * <p>The jobs this process saw claimed are all that the start knows of; a job can still become
 * available before it: enqueued here at the same priority with an earlier run time (the start moves
 * back to it), made available here by the stager, a retry or a finished dependency (the queue's
 * next claim starts from the head), or by another process (a rescued job keeps its old run time),
 * or left behind by a claim that rolled back. For those, a claim starts from the head of the index
 * whenever a claim found fewer jobs than it asked for, and on a timer: every {@link
 * #HEAD_SCAN_EVERY}, or, when a walk from the head took long, every {@link #HEAD_SCAN_COST_FACTOR}
 * times as long as it took. So such a job waits at most that long during a backlog; no job is ever
 * left behind.
 */
final class FetchHints {
  /**
   * How often a queue's claim starts from the head of the index, to pick up jobs that became
   * available before the hint elsewhere. Each such claim walks the dead entries, so this bounds
   * their cost to a few claims a second.
   */
  static final Duration HEAD_SCAN_EVERY = Duration.ofMillis(200);

  /**
   * How much longer than the last walk from the head the wait for the next one is, at least: the
   * walks then take at most a twentieth of a queue's claiming time. The walk reads every dead entry
   * since the last VACUUM, which in a burn-down of 10,000,000 jobs grows to millions of entries,
   * more than PostgreSQL's default buffers hold; five such walks a second would crowd out the
   * claims they guard.
   */
  static final int HEAD_SCAN_COST_FACTOR = 20;

  /**
   * Priorities, at most, among the jobs made available here while a claim runs, remembered so that
   * the claim's new start does not pass them (it may not have seen them); past that the next claim
   * starts from the head.
   */
  static final int MAX_PRIORITIES_MADE_AVAILABLE_DURING_A_CLAIM = 16;

  /** Before every key: a claim from here walks the whole index. */
  static final Key HEAD = new Key(Short.MIN_VALUE, Instant.MIN, 0);

  /**
   * Where a claim starts: first at {@code ahead} (when not null) for the jobs whose priority comes
   * before {@code key}'s, then at {@code key}. {@code resets} tells {@link #claimed} whether the
   * hint was reset meanwhile.
   */
  record Start(Key ahead, Key key, long resets) {
    /** The first priority the walk from {@link #ahead} no longer takes. */
    int aheadEndsBeforePriority() {
      return ahead == null ? Short.MIN_VALUE : key.priority();
    }

    /** Where the walk for the jobs ahead starts: nowhere (an empty range) when there are none. */
    Key aheadOrHead() {
      return ahead == null ? HEAD : ahead;
    }

    /** How many of {@code claimed} (in fetch order) came from the walk ahead. */
    int takenAhead(List<JobInfo> claimed) {
      int n = 0;
      while (ahead != null && n < claimed.size() && claimed.get(n).priority() < key.priority()) {
        n++;
      }
      return n;
    }
  }

  /** A position in the fetch index's order. */
  record Key(int priority, Instant scheduledAt, long id) implements Comparable<Key> {
    static Key of(JobInfo job) {
      return new Key(job.priority(), job.scheduledAt(), job.id());
    }

    @Override
    public int compareTo(Key other) {
      int c = Integer.compare(priority, other.priority);
      if (c == 0) {
        c = scheduledAt.compareTo(other.scheduledAt);
      }
      return c != 0 ? c : Long.compare(id, other.id);
    }
  }

  private static final class Hint {
    /** Where the next claim starts; null: at the head. */
    Key start;

    /** The first job made available here at a priority before {@link #start}'s; null: none. */
    Key ahead;

    long lastHeadScanNanos;

    /** The wait between walks from the head on the timer: see {@link #HEAD_SCAN_COST_FACTOR}. */
    long headScanGapNanos;

    /** Counts resets, so that a claim in flight does not undo one. */
    long resets;

    /**
     * The first job of each priority made available since the last claim began, which it may not
     * have seen. The first of each priority is enough: a start moves back to the first of its own
     * priority, and the walk ahead to the first of any priority before it.
     */
    final Map<Integer, Key> madeAvailable = new HashMap<>();

    /** Whether {@link #madeAvailable} overflowed: the next claim starts from the head. */
    boolean tooManyMadeAvailable;

    void reset() {
      start = null;
      ahead = null;
    }

    /** A job at {@code key} became available: no start may lie after it. */
    void moveBackTo(Key key) {
      if (start == null || key.compareTo(start) >= 0) {
        return;
      }
      if (key.priority() < start.priority()) {
        if (ahead == null || key.compareTo(ahead) < 0) {
          ahead = key;
        }
      } else {
        start = key;
      }
    }
  }

  /**
   * One hint per queue and kind filter: a claim of some kinds passes over the others' jobs, which
   * stay available behind its hint for the claims of those kinds.
   */
  private record Claimer(String queue, Set<String> kinds) {}

  private final ConcurrentHashMap<Claimer, Hint> hints = new ConcurrentHashMap<>();

  private final long headScanEveryNanos;

  FetchHints() {
    this(HEAD_SCAN_EVERY);
  }

  /** With claims from the head every {@code headScanEvery} instead of {@link #HEAD_SCAN_EVERY}. */
  FetchHints(Duration headScanEvery) {
    this.headScanEveryNanos = headScanEvery.toNanos();
  }

  /**
   * Where the next claim of {@code kinds} (empty: any) from {@code queue} starts: at the head, or
   * after its last claim.
   */
  Start start(String queue, Set<String> kinds) {
    Hint hint = hint(queue, kinds);
    synchronized (hint) {
      // The claim starting now sees what was made available before; its own concern is after.
      // (With two claims of one queue and kinds in flight at once, the first to end may pass a
      // job made available while both ran; the next claim from the head takes it.)
      hint.madeAvailable.clear();
      hint.tooManyMadeAvailable = false;
      long now = System.nanoTime();
      if (hint.start == null || now - hint.lastHeadScanNanos >= hint.headScanGapNanos) {
        hint.lastHeadScanNanos = now;
        return new Start(null, HEAD, hint.resets);
      }
      return new Start(hint.ahead, hint.start, hint.resets);
    }
  }

  /**
   * After a claim from {@code queue} that began at {@code start} and asked for {@code limit} jobs:
   * the walk ahead continues after its last job, or ends when it found fewer than it asked for; the
   * next claim starts after the last of {@code claimed} (in fetch order), or from the head when the
   * claim found fewer than it asked for (the rest may lie before the hint). Jobs made available
   * while the claim ran then move the hint back: the claim may not have seen them. A hint reset
   * while the claim ran stays so. A claim from the head that {@code took} long puts off the next
   * one on the timer.
   */
  void claimed(
      String queue,
      Set<String> kinds,
      Start start,
      List<JobInfo> claimed,
      int limit,
      Duration took) {
    Hint hint = hint(queue, kinds);
    synchronized (hint) {
      if (start.key() == HEAD) {
        hint.headScanGapNanos =
            Math.max(headScanEveryNanos, HEAD_SCAN_COST_FACTOR * took.toNanos());
      }
      if (limit <= 0) {
        return;
      }
      List<Key> madeAvailable = List.copyOf(hint.madeAvailable.values());
      boolean overflowed = hint.tooManyMadeAvailable;
      hint.madeAvailable.clear();
      hint.tooManyMadeAvailable = false;
      if (hint.resets != start.resets()) {
        return;
      }
      if (overflowed || claimed.size() < limit) {
        hint.reset();
        return;
      }
      int takenAhead = start.takenAhead(claimed);
      if (takenAhead == limit) {
        // The walk ahead took everything: the start itself did not move.
        hint.ahead = Key.of(claimed.get(limit - 1));
        hint.start = start.key() == HEAD ? null : start.key();
      } else {
        hint.ahead = null;
        hint.start = Key.of(claimed.get(claimed.size() - 1));
      }
      madeAvailable.forEach(hint::moveBackTo);
    }
  }

  private Hint hint(String queue, Set<String> kinds) {
    return hints.computeIfAbsent(
        new Claimer(queue, kinds),
        c -> {
          Hint hint = new Hint();
          hint.headScanGapNanos = headScanEveryNanos;
          return hint;
        });
  }

  /** A job became available in {@code queue} at {@code key}: the next claims start no later. */
  void lower(String queue, Key key) {
    forQueue(
        queue,
        hint -> {
          hint.moveBackTo(key);
          // Kept for the claim in flight, whichever it is: the hint it sets must not pass this
          // job, which it may not see.
          if (hint.madeAvailable.size() < MAX_PRIORITIES_MADE_AVAILABLE_DURING_A_CLAIM
              || hint.madeAvailable.containsKey(key.priority())) {
            hint.madeAvailable.merge(key.priority(), key, (a, b) -> a.compareTo(b) <= 0 ? a : b);
          } else {
            hint.tooManyMadeAvailable = true;
          }
        });
  }

  /** Jobs became available in {@code queues} at keys unknown here: claim from the head next. */
  void reset(Collection<String> queues) {
    for (String queue : queues) {
      forQueue(
          queue,
          hint -> {
            hint.resets++;
            hint.reset();
            hint.madeAvailable.clear();
            hint.tooManyMadeAvailable = false;
          });
    }
  }

  /** Runs {@code change} on each hint of {@code queue}, under its lock; a few per queue at most. */
  private void forQueue(String queue, Consumer<Hint> change) {
    hints.forEach(
        (claimer, hint) -> {
          if (claimer.queue().equals(queue)) {
            synchronized (hint) {
              change.accept(hint);
            }
          }
        });
  }
}
