package dev.errand;

/**
 * One attempt of one job, as an external worker holds it through {@link Leases}: results and
 * heartbeats apply only while the job still runs at this attempt.
 *
 * @param jobId the job
 * @param attempt the attempt number the fetch returned ({@link JobInfo#attempt()})
 */
public record AttemptRef(long jobId, int attempt) {}
