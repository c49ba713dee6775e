package dev.errand;

import java.util.Optional;

/** Reads {@link JobKind} once per class: {@link JobArgs#kind()} asks at every enqueue. */
final class JobKinds {
  private static final ClassValue<Optional<String>> DECLARED =
      new ClassValue<>() {
        @Override
        protected Optional<String> computeValue(Class<?> type) {
          JobKind kind = type.getAnnotation(JobKind.class);
          return Optional.ofNullable(kind != null ? kind.value() : null);
        }
      };

  private JobKinds() {}

  /** The kind {@code type} declares with {@link JobKind}, if it does. */
  static Optional<String> declared(Class<?> type) {
    return DECLARED.get(type);
  }

  /** The kind {@code args} declares with {@link JobKind}. */
  static String of(JobArgs args) {
    Optional<String> kind = declared(args.getClass());
    if (kind.isEmpty()) {
      throw new JobArgsException(
          args.getClass().getName()
              + " has no kind: annotate it with @JobKind(\"...\") or override kind()");
    }
    return kind.get();
  }
}
