package dev.errand;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The kind of a {@link JobArgs} class, declared once on the class: {@link JobArgs#kind()} returns
 * it, and {@link Config.Builder#worker(Worker)} registers a worker for it without repeating it.
 *
 * <pre>{@code
 * @JobKind("sign_in_email")
 * record SignInEmail(String address, String token) implements JobArgs {}
 * }</pre>
 *
 * <p>Like any kind, it is a stable string chosen by you, never derived from the class name:
 * renaming the class keeps the jobs already queued working. 1 to 128 characters of letters, digits,
 * {@code _ . : -}. A class that also overrides {@code kind()} must return the same string; an
 * enqueue that disagrees with the registration is refused.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface JobKind {

  /** The kind, for example {@code "sign_in_email"}. */
  String value();
}
