package dev.errand;

/**
 * The arguments of a job: usually a Java {@code record}, stored as JSON.
 *
 * <p>{@link #kind()} names the job type in storage and routes it to its {@link Worker}. It must be
 * a stable string chosen by you, never derived from a class name: renaming a class must not orphan
 * the jobs already queued. Declare it with {@link JobKind} on the class, which lets {@link
 * Config.Builder#worker(Worker)} find it without an instance, or override {@link #kind()}.
 * Implementations must be serializable by the configured {@link JsonCodec} (Jackson by default) and
 * should stay small; large payloads belong in your own tables.
 *
 * <pre>{@code
 * @JobKind("sign_in_email")
 * record SignInEmail(String address, String token) implements JobArgs {}
 * }</pre>
 */
public interface JobArgs {

  /**
   * The stable name of this job type, for example {@code "sign_in_email"}: by default the class's
   * {@link JobKind}.
   *
   * @throws JobArgsException if the class neither has a {@link JobKind} nor overrides this method
   */
  default String kind() {
    return JobKinds.of(this);
  }
}
