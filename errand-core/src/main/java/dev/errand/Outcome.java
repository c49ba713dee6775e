package dev.errand;

import dev.errand.internal.engine.StoredText;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link Worker} decided about one attempt of a job, other than failing. A worker that
 * throws fails the attempt instead; the job is then retried with backoff or, after its last
 * attempt, discarded.
 */
public sealed interface Outcome {

  /** The job is done. */
  static Outcome complete() {
    return Complete.INSTANCE;
  }

  /**
   * Run the job again after {@code delay} without using up an attempt, for example while a rate
   * limit resets.
   *
   * @throws IllegalArgumentException if {@code delay} is negative or longer than {@link
   *     EnqueueOptions#MAX_RUN_IN}
   */
  static Outcome snooze(Duration delay) {
    return new Snooze(delay);
  }

  /**
   * Stop the job for good without counting it as failed: it ends {@link JobState#CANCELLED}.
   *
   * @throws IllegalArgumentException if {@code reason} holds a NUL character or an unpaired
   *     surrogate, which no store keeps
   */
  static Outcome cancel(String reason) {
    return new Cancel(reason);
  }

  /**
   * Stop the job for good as failed, without further retries: it ends {@link JobState#DISCARDED}
   * with {@code reason} kept in its errors, and can be retried by hand.
   *
   * @throws IllegalArgumentException if {@code reason} holds a NUL character or an unpaired
   *     surrogate, which no store keeps
   */
  static Outcome discard(String reason) {
    return new Discard(reason);
  }

  /** See {@link Outcome#complete()}. */
  enum Complete implements Outcome {
    INSTANCE
  }

  /** See {@link Outcome#snooze(Duration)}. */
  record Snooze(Duration delay) implements Outcome {
    public Snooze {
      EnqueueOptions.checkDelay("snooze delay", delay);
    }
  }

  /** See {@link Outcome#cancel(String)}. */
  record Cancel(String reason) implements Outcome {
    public Cancel {
      Objects.requireNonNull(reason, "reason");
      StoredText.check("cancel reason", reason);
    }
  }

  /** See {@link Outcome#discard(String)}. */
  record Discard(String reason) implements Outcome {
    public Discard {
      Objects.requireNonNull(reason, "reason");
      StoredText.check("discard reason", reason);
    }
  }
}
