package dev.errand;

/**
 * The answer to an enqueue.
 *
 * @param id the id of the stored job
 * @param state the state it was stored in ({@link JobState#AVAILABLE} or {@link
 *     JobState#SCHEDULED}); for a duplicate, the existing job's state when it was found
 * @param duplicate true when an equal unique job already existed and no new job was stored; {@code
 *     id} is then the existing job's
 */
public record Enqueued(long id, JobState state, boolean duplicate) {}
