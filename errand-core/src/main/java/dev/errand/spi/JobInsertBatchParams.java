package dev.errand.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * @param members the member jobs; each may have dependencies of its own
 * @param callback the job that runs once every member has finished; its own dependencies and
 *     failure policy are replaced by the members and {@link dev.errand.DependencyFailure#RUN}
 * @param now the insert time
 */
public record JobInsertBatchParams(List<NewJob> members, NewJob callback, Instant now) {
  public JobInsertBatchParams {
    members = List.copyOf(members);
    Objects.requireNonNull(callback, "callback");
    Objects.requireNonNull(now, "now");
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one member");
    }
  }
}
