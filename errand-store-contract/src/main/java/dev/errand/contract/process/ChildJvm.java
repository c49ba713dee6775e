package dev.errand.contract.process;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A main class running in a JVM of its own on this JVM's class path, its standard output and error
 * going to a file: a node of a multi-process test. The test owns it: {@link #close()} (in a {@code
 * finally} or {@code @AfterEach}) kills it if it still runs, so no process outlives the test.
 */
public final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path output;

  private ChildJvm(String name, Process process, Path output) {
    this.name = name;
    this.process = process;
    this.output = output;
  }

  /**
   * Starts {@code main} with {@code args}, naming it {@code name}; its output goes to {@code
   * output}.
   */
  public static ChildJvm start(String name, Path output, Class<?> main, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Small heaps and the serial collector: several JVMs and a database share two cores here.
    command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    try {
      Files.createDirectories(output.getParent());
      return new ChildJvm(
          name,
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start(),
          output);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name, e);
    }
  }

  public String name() {
    return name;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits until it printed {@code line}; fails at once if it exits first. */
  public void awaitLine(String line, Duration timeout) {
    await(name + " printed " + line)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .failFast(name + " exited first:\n" + tail(), () -> !isAlive())
        .until(() -> lines().contains(line));
  }

  /** Writes {@code line} to its standard input. */
  public void send(String line) throws IOException {
    process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().flush();
  }

  /** CPU time its JVM used so far. */
  public Duration cpuTime() {
    return process.toHandle().info().totalCpuDuration().orElseThrow();
  }

  /** SIGKILL: nothing is released or finished. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " did not die on SIGKILL");
    }
  }

  /**
   * Closes its standard input (a node stops gracefully then) and returns its exit code; kills it
   * and fails if it takes longer than {@code timeout}.
   */
  public int stop(Duration timeout) throws InterruptedException, IOException {
    process.getOutputStream().close();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(name + " did not stop within " + timeout + ":\n" + tail());
    }
    return process.exitValue();
  }

  /** Everything it printed so far. */
  public List<String> lines() {
    try {
      return Files.readAllLines(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last lines of its output, for failure messages. */
  public String tail() {
    List<String> lines = lines();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
