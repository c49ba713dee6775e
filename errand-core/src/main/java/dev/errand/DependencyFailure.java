package dev.errand;

import java.time.Instant;
import java.util.Locale;

/**
 * What becomes of a job waiting on others ({@link EnqueueOptions#dependsOn}) when one of them is
 * discarded, cancelled or deleted instead of completing.
 */
public enum DependencyFailure {
  /** Cancel the waiting job at once (the default): its input will never be complete. */
  CANCEL,
  /**
   * Run it anyway once every dependency has finished, whatever the outcome; its worker reads the
   * outcomes from {@link Job#dependencies()}. A batch's callback runs this way.
   */
  RUN;

  /** The {@link AttemptError#errorClass()} of a job cancelled because a dependency failed. */
  public static final String ERROR_CLASS = "dependency_failed";

  /**
   * The error recorded on a job cancelled at {@code at} because its dependency {@code dependencyId}
   * ended in {@code state} (a deleted dependency counts as cancelled).
   */
  public static AttemptError cancellation(long dependencyId, JobState state, Instant at) {
    return AttemptError.of(
        0,
        at,
        ERROR_CLASS,
        "dependency " + dependencyId + " was " + state.name().toLowerCase(Locale.ROOT));
  }
}
