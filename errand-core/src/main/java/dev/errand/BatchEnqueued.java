package dev.errand;

import java.util.List;
import java.util.Objects;

/**
 * The answer to {@link Batch#enqueue()}.
 *
 * @param members one entry per member job, in the order they were added
 * @param callback the callback job, {@link JobState#PENDING} until every member has finished
 */
public record BatchEnqueued(List<Enqueued> members, Enqueued callback) {
  public BatchEnqueued {
    members = List.copyOf(members);
    Objects.requireNonNull(callback, "callback");
  }

  /** The members' ids, in order. */
  public List<Long> memberIds() {
    return members.stream().map(Enqueued::id).toList();
  }

  /** The callback's id. */
  public long callbackId() {
    return callback.id();
  }
}
