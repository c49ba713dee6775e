package dev.errand.spi;

import java.time.Instant;

/**
 * @param id the job
 * @param now it becomes available at this time
 */
public record JobRetryParams(long id, Instant now) {}
