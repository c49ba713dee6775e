package dev.errand;

/**
 * How many attempts a node's workers ended in one queue since the node started, as its last report
 * to the node registry said: the dashboard's rates are the differences between reports.
 *
 * @param completed attempts that completed their job
 * @param failed attempts that failed (the job retries later or is discarded)
 */
public record AttemptTotals(long completed, long failed) {}
