package dev.errand.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast path of the args check agrees with the plain one-pass scan that defines it. */
class StoredTextScanTest {
  /** Characters that matter to the scan, and filler. */
  private static final char[] ALPHABET = {
    'a', '"', '\\', '\\', 'u', 'u', '0', 'd', 'D', '8', 'b', 'c', 'f', '\u0000', '\ud83d', '\ude00',
    '\ud800', '日'
  };

  @Test
  void agreesWithTheOnePassScanOnRandomText() {
    Random random = new Random(42);
    for (int run = 0; run < 200_000; run++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(24);
      for (int i = 0; i < length; i++) {
        text.append(ALPHABET[random.nextInt(ALPHABET.length)]);
      }
      String json = text.toString();

      assertThat(StoredText.firstUnstorableInJson(json) >= 0)
          .as("'%s'", StoredText.escape(json))
          .isEqualTo(StoredText.scanJson(json) >= 0);
    }
  }

  @Test
  void countsAnEscapeOnlyWhenItsBackslashIsNotEscaped() {
    assertThat(StoredText.firstUnstorableInJson("\"\\u0000\"")).isEqualTo(1);
    assertThat(StoredText.firstUnstorableInJson("\"\\\\u0000\"")).isEqualTo(-1);
    assertThat(StoredText.firstUnstorableInJson("\"\\\\\\u0000\"")).isEqualTo(3);
    assertThat(StoredText.firstUnstorableInJson("\"\\ud83d\\ude00\"")).isEqualTo(-1);
    assertThat(StoredText.firstUnstorableInJson("\"\\ud83d\\\\ude00\"")).isEqualTo(1);
    assertThat(StoredText.firstUnstorableInJson("\"\\\u0000\"")).as("a raw NUL").isEqualTo(2);
    assertThat(StoredText.firstUnstorableInJson("\"\\u\u0000123\"")).as("a raw NUL").isEqualTo(3);
  }
}
