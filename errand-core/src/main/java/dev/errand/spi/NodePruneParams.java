package dev.errand.spi;

import java.time.Instant;

/**
 * @param now the time of the request: entries that expired before it are deleted
 */
public record NodePruneParams(Instant now) {}
