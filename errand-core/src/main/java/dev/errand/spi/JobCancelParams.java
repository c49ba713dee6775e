package dev.errand.spi;

import java.time.Instant;

/**
 * @param id the job
 * @param now the cancel time
 * @param reason kept in the job's errors
 */
public record JobCancelParams(long id, Instant now, String reason) {}
