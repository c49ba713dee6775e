package dev.errand.postgres;

import dev.errand.JobInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
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
 * <p>That is true of the jobs this process saw claimed; a job can still become available before the
 * hint: enqueued here with a higher priority or an earlier run time (the hint is lowered to it),
 * made available here by the stager, a retry or a finished dependency (the queue's next claim
 * starts from the head), or by another process, or left behind by a claim that rolled back. For
 * those, a claim starts from the head of the index at least every {@link #HEAD_SCAN_EVERY}, and
 * whenever a claim from the hint found fewer jobs than it asked for. So such a job waits at most
 * that long during a backlog; no job is ever left behind.
 */
final class FetchHints {
  /**
   * How often a queue's claim starts from the head of the index, to pick up jobs that became
   * available before the hint elsewhere. Each such claim walks the dead entries, so this bounds
   * their cost to a few claims a second.
   */
  static final Duration HEAD_SCAN_EVERY = Duration.ofMillis(200);

  /** Before every key: a claim from here walks the whole index. */
  static final Key HEAD = new Key(Short.MIN_VALUE, Instant.MIN, 0);

  /** Where a claim starts, and the hint's version then (see {@link #claimed}). */
  record Start(Key key, long version) {}

  /** A position in the fetch index's order. */
  record Key(int priority, Instant scheduledAt, long id) implements Comparable<Key> {
    static Key of(JobInfo job) {
      return new Key(job.priority(), job.scheduledAt(), job.id());
    }

    /** The run time as PostgreSQL reads it; before every other for {@link #HEAD}. */
    String scheduledAtText() {
      return this == HEAD ? "-infinity" : scheduledAt.toString();
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
    Key start;
    long lastHeadScanNanos;

    /** Counts lowerings and resets, so that a claim in flight does not undo one. */
    long version;

    /** The lowest key made available here since the last claim: the next hint is no later. */
    Key lowest;
  }

  /**
   * One hint per queue and kind filter: a claim of some kinds passes over the others' jobs, which
   * stay available behind its hint for the claims of those kinds.
   */
  private record Claimer(String queue, Set<String> kinds) {}

  private final ConcurrentHashMap<Claimer, Hint> hints = new ConcurrentHashMap<>();

  /**
   * Where the next claim of {@code kinds} (empty: any) from {@code queue} starts: {@link #HEAD}, or
   * after its last claim.
   */
  Start start(String queue, Set<String> kinds) {
    Hint hint = hints.computeIfAbsent(new Claimer(queue, kinds), c -> new Hint());
    synchronized (hint) {
      long now = System.nanoTime();
      if (hint.start == null || now - hint.lastHeadScanNanos >= HEAD_SCAN_EVERY.toNanos()) {
        hint.lastHeadScanNanos = now;
        return new Start(HEAD, hint.version);
      }
      return new Start(hint.start, hint.version);
    }
  }

  /**
   * After a claim from {@code queue} that began at {@code start} and asked for {@code limit} jobs:
   * the next starts at the last of {@code claimed} (in fetch order), or from the head when the
   * claim found fewer than it asked for (the rest may lie before the hint). A hint lowered or reset
   * while the claim ran stays so: the job behind it may be one the claim did not see.
   */
  void claimed(String queue, Set<String> kinds, Start start, List<JobInfo> claimed, int limit) {
    Hint hint = hints.computeIfAbsent(new Claimer(queue, kinds), c -> new Hint());
    synchronized (hint) {
      if (hint.version != start.version()) {
        return;
      }
      if (claimed.size() < limit) {
        hint.start = null;
        return;
      }
      Key last = Key.of(claimed.get(claimed.size() - 1));
      hint.start = hint.lowest != null && hint.lowest.compareTo(last) < 0 ? hint.lowest : last;
      hint.lowest = null;
    }
  }

  /** A job became available in {@code queue} at {@code key}: the next claims start no later. */
  void lower(String queue, Key key) {
    forQueue(
        queue,
        hint -> {
          // Kept for the claim in flight, whichever it is: the hint it sets must not pass this
          // job, which it may not see.
          if (hint.lowest == null || key.compareTo(hint.lowest) < 0) {
            hint.lowest = key;
          }
          if (hint.start != null && key.compareTo(hint.start) < 0) {
            hint.start = key;
            hint.version++;
          }
        });
  }

  /** Jobs became available in {@code queues} at keys unknown here: claim from the head next. */
  void reset(Collection<String> queues) {
    for (String queue : queues) {
      forQueue(
          queue,
          hint -> {
            hint.version++;
            hint.start = null;
            hint.lowest = null;
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
