package dev.errand.server;

/**
 * HTML text built by the dashboard: every value a job or a queue carries goes in through {@link
 * #text}, escaped, so that args, metadata, errors, kinds and tags render as text and never as
 * markup, whatever they hold.
 */
final class Html {
  private final StringBuilder out = new StringBuilder(4_096);

  /** Escapes {@code value} for an element's content or a double-quoted attribute value. */
  static String escape(String value) {
    if (value == null) {
      return "";
    }
    StringBuilder escaped = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      String replacement =
          switch (c) {
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '&' -> "&amp;";
            case '"' -> "&quot;";
            case '\'' -> "&#39;";
            default -> null;
          };
      if (replacement != null && escaped == null) {
        escaped = new StringBuilder(value.length() + 16).append(value, 0, i);
      }
      if (escaped != null) {
        if (replacement != null) {
          escaped.append(replacement);
        } else {
          escaped.append(c);
        }
      }
    }
    return escaped == null ? value : escaped.toString();
  }

  /** Markup written as given: only constant text of the dashboard's own, never a value. */
  Html raw(String markup) {
    out.append(markup);
    return this;
  }

  /** A value, escaped. */
  Html text(Object value) {
    out.append(escape(value == null ? "" : value.toString()));
    return this;
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
