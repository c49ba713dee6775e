package dev.errand.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's code that claims to be complete is the code CI compiles and runs. */
class ReadmeTest {
  private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).resolve("..");

  @Test
  void theApplicationInTheReadmeIsExamplesAppMain() throws IOException {
    Path source = Path.of("examples/src/main/java/dev/errand/examples/app/Main.java");
    String block = javaBlockAfter("## Use it in your application", "A complete program");

    assertThat(block)
        .as(
            "the README's complete program under '## Use it in your application' must be %s"
                + " exactly; copy one into the other",
            source)
        .isEqualTo(Files.readString(ROOT.resolve(source)));
  }

  /** The first ```java block after {@code heading}, then after {@code marker}, without fences. */
  private static String javaBlockAfter(String heading, String marker) throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int section = readme.indexOf("\n" + heading + "\n");
    assertThat(section).as("README.md has a section '%s'", heading).isNotNegative();
    int from = readme.indexOf(marker, section);
    assertThat(from).as("README.md's '%s' mentions '%s'", heading, marker).isNotNegative();
    int start = readme.indexOf("```java\n", from);
    assertThat(start).as("a ```java block follows '%s'", marker).isNotNegative();
    start += "```java\n".length();
    int end = readme.indexOf("\n```\n", start);
    return readme.substring(start, end + 1);
  }
}
