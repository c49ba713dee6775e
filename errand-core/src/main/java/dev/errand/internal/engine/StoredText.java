package dev.errand.internal.engine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import dev.errand.JobArgsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The one rule for text a job carries into a store: no NUL character (U+0000) and no unpaired
 * UTF-16 surrogate. PostgreSQL's {@code text} and {@code jsonb} cannot hold a NUL, so the write
 * fails; its driver turns an unpaired surrogate, which is no Unicode character at all, into {@code
 * '?'} without a word; SQLite and the memory store would keep both. Text given through the public
 * API is refused here with the field's name, so every store behaves alike; text the engine records
 * on its own, a worker's exception, is {@link #sanitize sanitized} instead, because a failed write
 * of one result would fail every other result of its batch.
 */
public final class StoredText {
  private static final char REPLACEMENT = '\uFFFD';
  private static final JsonFactory JSON = new JsonFactory();

  private StoredText() {}

  /**
   * Checks {@code text} (null passes) given for {@code field}.
   *
   * @return {@code text}
   * @throws IllegalArgumentException naming the field, the character and its index
   */
  public static String check(String field, String text) {
    if (!isStorable(text)) {
      throw refusal(field, text);
    }
    return text;
  }

  /** Whether {@code text} (null passes) holds neither a NUL nor an unpaired surrogate. */
  public static boolean isStorable(String text) {
    return text == null || firstUnstorable(text) < 0;
  }

  /**
   * The error for {@code text} given for {@code field}, which is not {@link #isStorable}: for a
   * field name that costs to build, built only when needed.
   */
  public static IllegalArgumentException refusal(String field, String text) {
    int at = firstUnstorable(text);
    char c = text.charAt(at);
    return new IllegalArgumentException(
        field + " contains " + describe(c) + " at index " + at + why(c));
  }

  /** {@code text} with each NUL and unpaired surrogate written as a Java escape, for messages. */
  public static String escape(String text) {
    int n = text.length();
    StringBuilder escaped = new StringBuilder(n + 8);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        escaped.append(c).append(text.charAt(++i));
      } else if (c == 0 || Character.isSurrogate(c)) {
        escaped.append(String.format("\\u%04x", (int) c));
      } else {
        escaped.append(c);
      }
    }
    return escaped.toString();
  }

  /** {@code text} with each NUL and unpaired surrogate replaced by U+FFFD; null stays null. */
  public static String sanitize(String text) {
    int at = text == null ? -1 : firstUnstorable(text);
    if (at < 0) {
      return text;
    }
    StringBuilder clean = new StringBuilder(text.length()).append(text, 0, at);
    for (int i = at; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        clean.append(REPLACEMENT);
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        clean.append(c).append(text.charAt(++i));
      } else {
        clean.append(Character.isSurrogate(c) ? REPLACEMENT : c);
      }
    }
    return clean.toString();
  }

  /**
   * Checks the args JSON of a job of {@code kind}: linear in the text and allocating nothing, since
   * every enqueue runs it. A NUL or unpaired surrogate counts whether raw or written as a {@code
   * \}{@code u} escape (whose backslash is not itself escaped); an escaped high surrogate pairs
   * only with an escaped low one. Only when the check fails is the JSON parsed, to name the field.
   *
   * @throws JobArgsException naming the field, e.g. {@code args.note}
   */
  public static void checkArgsJson(String kind, String json) {
    if (firstUnstorableInJson(json) >= 0) {
      throw new JobArgsException(locateInJson(json) + " (kind '" + kind + "')");
    }
  }

  /** The index of the first NUL or unpaired surrogate in {@code text}, or -1. */
  static int firstUnstorable(String text) {
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return i;
      }
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  /** As {@link #firstUnstorable}, with JSON's {@code \}{@code u} escapes counted too. */
  static int firstUnstorableInJson(String json) {
    // The common args hold no surrogate and no backslash-u escape: then only a raw NUL can be
    // wrong, which String's vectorized search finds. Measured in one JVM on a 97-character
    // record, JobEncoder.encode took about 340 ns without any check, some 40 ns more with this
    // one and 60 more with the full scan alone; an enqueue on the memory store takes about 1.9 us.
    int n = json.length();
    for (int i = 0; i < n; i++) {
      if ((json.charAt(i) & 0xF800) == 0xD800) {
        return scanJson(json);
      }
    }
    for (int b = json.indexOf('\\'); b >= 0; b = json.indexOf('\\', b + 2)) {
      if (b + 1 < n && json.charAt(b + 1) == 'u') {
        return scanJson(json);
      }
    }
    return json.indexOf(0);
  }

  /**
   * The one-pass check of {@link #firstUnstorableInJson}, for JSON that needs it: the definition
   * the faster path must agree with.
   */
  static int scanJson(String json) {
    int n = json.length();
    for (int i = 0; i < n; i++) {
      char c = json.charAt(i);
      int unit;
      if (c == '\\' && i + 5 < n && json.charAt(i + 1) == 'u' && (unit = hex4(json, i + 2)) >= 0) {
        if (unit == 0) {
          return i;
        }
        if (Character.isSurrogate((char) unit)) {
          if (Character.isHighSurrogate((char) unit)
              && i + 11 < n
              && json.charAt(i + 6) == '\\'
              && json.charAt(i + 7) == 'u'
              && Character.isLowSurrogate((char) hex4(json, i + 8))) {
            i += 11;
            continue;
          }
          return i;
        }
        i += 5;
      } else if (c == '\\') {
        // The escaped character, a backslash or quote among them, starts no escape; a raw NUL or
        // surrogate after the backslash is still raw text, and checked as such.
        if (i + 1 < n && json.charAt(i + 1) != 0 && !Character.isSurrogate(json.charAt(i + 1))) {
          i++;
        }
      } else if (c == 0) {
        return i;
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(json.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  /** The four hex digits at {@code from} as a UTF-16 unit, or -1 if they are not hex digits. */
  private static int hex4(String s, int from) {
    int unit = 0;
    for (int i = from; i < from + 4; i++) {
      int digit = Character.digit(s.charAt(i), 16);
      if (digit < 0) {
        return -1;
      }
      unit = unit << 4 | digit;
    }
    return unit;
  }

  /**
   * What is wrong in {@code json} and where, such as {@code args.items[2] contains a NUL character
   * (U+0000), ...}: the parser walks to the string or field name whose text holds the first such
   * character. Slow, and only for JSON that failed the one-pass check.
   */
  private static String locateInJson(String json) {
    int at = firstUnstorableInJson(json);
    char found = json.charAt(at) == '\\' ? (char) hex4(json, at + 2) : json.charAt(at);
    String where = "args";
    try (JsonParser parser = JSON.createParser(json)) {
      try {
        for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
          long start = parser.currentTokenLocation().getCharOffset();
          if (start > at) {
            break;
          }
          if (token == JsonToken.FIELD_NAME || token == JsonToken.VALUE_STRING) {
            parser.getText(); // a string is read lazily: this reads it to its closing quote
            if (at < parser.currentLocation().getCharOffset()) {
              where =
                  token == JsonToken.FIELD_NAME
                      ? "a field name in " + path(parser.getParsingContext(), false)
                      : path(parser.getParsingContext(), true);
              break;
            }
          }
        }
      } catch (IOException e) {
        // A raw NUL is no valid JSON either: the parser stops at it, inside the string holding it,
        // unless the JSON was broken before.
        if (parser.currentLocation().getCharOffset() >= at) {
          where = path(parser.getParsingContext(), true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // closing a parser on a String does no I/O
    }
    return where + " contains " + describe(found) + why(found);
  }

  /**
   * {@code args.a.b[2]}: the value the parser is at, or the object it is in ({@code leaf} false).
   */
  private static String path(JsonStreamContext context, boolean leaf) {
    Deque<String> segments = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c == context && !leaf) {
        continue;
      }
      if (c.inArray()) {
        segments.push("[" + Math.max(c.getCurrentIndex(), 0) + "]");
      } else if (c.getCurrentName() != null) {
        segments.push("." + c.getCurrentName());
      }
    }
    return "args" + String.join("", segments);
  }

  private static String describe(char c) {
    return c == 0
        ? "a NUL character (U+0000)"
        : String.format("an unpaired UTF-16 surrogate (U+%04X)", (int) c);
  }

  private static String why(char c) {
    return c == 0
        ? ", which no store keeps in text"
        : ", which is no Unicode character and no store keeps as it is";
  }
}
