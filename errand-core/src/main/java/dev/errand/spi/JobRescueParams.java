package dev.errand.spi;

import java.time.Instant;

/**
 * @param now jobs whose lease expired before this are rescued
 * @param limit the most jobs to rescue in one call
 */
public record JobRescueParams(Instant now, int limit) {}
