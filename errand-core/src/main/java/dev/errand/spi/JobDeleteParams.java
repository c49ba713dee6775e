package dev.errand.spi;

import java.time.Instant;

/**
 * @param id the job
 * @param now the delete time: jobs that depend on the deleted one count it as cancelled at {@code
 *     now}
 */
public record JobDeleteParams(long id, Instant now) {}
