package dev.errand.spi;

/**
 * One attempt of one job: the fencing token of a lease. A store applies a write for a running job
 * only if the job is still {@code RUNNING} at this attempt, so a holder whose lease was rescued
 * cannot overwrite the new holder's work.
 *
 * @param id the job id
 * @param attempt the attempt the holder runs
 */
public record JobRef(long id, int attempt) {}
