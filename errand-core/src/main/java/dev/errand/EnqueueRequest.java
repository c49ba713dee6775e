package dev.errand;

import java.util.Objects;

/**
 * One job of a batch whose jobs each have their own options, for {@link
 * Errand#enqueueMany(java.util.List)} and its transactional twin.
 *
 * @param args the job's args
 * @param options its options
 */
public record EnqueueRequest(JobArgs args, EnqueueOptions options) {
  public EnqueueRequest {
    Objects.requireNonNull(args, "args");
    Objects.requireNonNull(options, "options");
  }
}
