package dev.errand.spi;

import dev.errand.AttemptError;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The result of one attempt, to be written by {@link Store#jobFinishMany}. Every variant is fenced
 * by {@link #ref()}: it applies only while the job is {@code RUNNING} at that attempt.
 */
public sealed interface JobFinish {

  /** The attempt this result belongs to. */
  JobRef ref();

  /** When the attempt ended. */
  Instant at();

  /**
   * → {@code COMPLETED}, {@code finalizedAt = at}; and, in the same atomic write, inserts {@code
   * followUps} (created at {@code at}) — only if this result applies, so a fenced-out holder
   * enqueues nothing.
   */
  record Completed(JobRef ref, Instant at, List<NewJob> followUps) implements JobFinish {
    public Completed {
      followUps = List.copyOf(followUps);
    }

    /** A completion without follow-up jobs. */
    public Completed(JobRef ref, Instant at) {
      this(ref, at, List.of());
    }
  }

  /**
   * The attempt failed: → {@code RETRYABLE} with {@code scheduledAt = retryAt}, or, when {@code
   * retryAt} is null, → {@code DISCARDED} with {@code finalizedAt = at}. {@code error} is appended
   * to the job's errors either way.
   */
  record Failed(JobRef ref, Instant at, AttemptError error, Instant retryAt) implements JobFinish {
    public Failed {
      Objects.requireNonNull(error, "error");
    }
  }

  /**
   * Run again at {@code runAt} without counting this attempt: {@code attempt} goes back by one; →
   * {@code SCHEDULED} (or {@code AVAILABLE} if {@code runAt} is not after {@code at}).
   */
  record Snoozed(JobRef ref, Instant at, Instant runAt) implements JobFinish {
    public Snoozed {
      Objects.requireNonNull(runAt, "runAt");
    }
  }

  /** → {@code CANCELLED}, {@code finalizedAt = at}, {@code reason} appended to the errors. */
  record Cancelled(JobRef ref, Instant at, AttemptError reason) implements JobFinish {
    public Cancelled {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Given back unfinished, at shutdown: → {@code AVAILABLE} now, {@code attempt} back by one, so
   * that a deploy does not use up attempts.
   */
  record Released(JobRef ref, Instant at) implements JobFinish {}
}
