package dev.errand;

/** A {@link Config} value is out of range or missing; the message names the field and its limit. */
public class InvalidConfigException extends ErrandException {
  public InvalidConfigException(String message) {
    super(message);
  }
}
