package dev.errand.spi;

import java.time.Instant;

/**
 * Deletes final jobs finalized before their state's cut-off.
 *
 * @param completedBefore cut-off for {@code COMPLETED}
 * @param discardedBefore cut-off for {@code DISCARDED}
 * @param cancelledBefore cut-off for {@code CANCELLED}
 * @param limit the most jobs to delete in one call, so one call never holds locks for long
 */
public record JobPruneParams(
    Instant completedBefore, Instant discardedBefore, Instant cancelledBefore, int limit) {}
