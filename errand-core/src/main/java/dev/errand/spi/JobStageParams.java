package dev.errand.spi;

import java.time.Instant;

/**
 * @param now {@code SCHEDULED} and {@code RETRYABLE} jobs whose {@code scheduledAt} is at or before
 *     this become {@code AVAILABLE}
 * @param limit the most jobs to stage in one call
 */
public record JobStageParams(Instant now, int limit) {}
