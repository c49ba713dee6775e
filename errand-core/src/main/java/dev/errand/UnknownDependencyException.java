package dev.errand;

/**
 * An enqueue named a dependency ({@link EnqueueOptions#dependsOn}) that no stored job has: nothing
 * was stored.
 */
public class UnknownDependencyException extends ErrandException {
  private final long dependencyId;

  public UnknownDependencyException(long dependencyId) {
    super(
        "job " + dependencyId + " does not exist, so no job can depend on it; nothing was stored");
    this.dependencyId = dependencyId;
  }

  /** The id that names no job. */
  public long dependencyId() {
    return dependencyId;
  }
}
