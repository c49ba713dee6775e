package dev.errand.spi;

import dev.errand.AttemptError;
import java.util.List;
import java.util.Objects;

/**
 * A job brought from another store: what {@link NewJob} holds, plus the history it had there.
 *
 * <p>Its {@link NewJob#uniqueKey()} is required: it names the job's origin, so that bringing the
 * same job twice (a move killed between writing to the new store and deleting from the old, then
 * run again) stores it once. Its unique states should be every state, so that the key is held as
 * long as the job is kept.
 *
 * @param job the job; unique, and waiting on no other job (ids do not carry across stores)
 * @param retrying whether it waits for a retry after a failed attempt ({@code RETRYABLE}); else it
 *     is {@code AVAILABLE} or {@code SCHEDULED} by its run time
 * @param attempt the attempts it has made, at most its {@code maxAttempts}
 * @param errors its attempts' errors, oldest first
 */
public record ImportedJob(NewJob job, boolean retrying, int attempt, List<AttemptError> errors) {
  public ImportedJob {
    Objects.requireNonNull(job, "job");
    if (job.uniqueKey() == null) {
      throw new IllegalArgumentException("an imported job needs the unique key naming its origin");
    }
    if (!job.dependsOn().isEmpty()) {
      throw new IllegalArgumentException("an imported job cannot wait on other jobs");
    }
    if (attempt < 0 || attempt > job.maxAttempts()) {
      throw new IllegalArgumentException(
          "attempt must be within 0.." + job.maxAttempts() + ", was " + attempt);
    }
    errors = List.copyOf(errors);
  }
}
