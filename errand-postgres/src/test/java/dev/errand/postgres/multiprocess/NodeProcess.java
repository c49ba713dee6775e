package dev.errand.postgres.multiprocess;

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
 * A {@link WorkerNode} running in a child JVM, its standard output and error going to a file. The
 * test owns it: {@link #close()} (in a {@code finally} or {@code @AfterEach}) kills it if it still
 * runs, so no process outlives the test.
 */
final class NodeProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path output;

  private NodeProcess(String name, Process process, Path output) {
    this.name = name;
    this.process = process;
    this.output = output;
  }

  /** Starts {@link WorkerNode} with {@code args} in a new JVM on this JVM's class path. */
  static NodeProcess start(String name, Path output, List<String> args) {
    return start(name, output, WorkerNode.class, args);
  }

  /** Starts {@code main} with {@code args} in a new JVM on this JVM's class path. */
  static NodeProcess start(String name, Path output, Class<?> main, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Small heaps and the serial collector: up to four JVMs and PostgreSQL share two cores here.
    command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(main.getName());
    command.addAll(args);
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      return new NodeProcess(name, process, output);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start node " + name, e);
    }
  }

  String name() {
    return name;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits until the node printed {@code READY}; fails at once if it exits first. */
  void awaitReady(Duration timeout) {
    await("node " + name + " ready")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .failFast("node " + name + " exited before it was ready:\n" + tail(), () -> !isAlive())
        .until(() -> lines().contains("READY " + name));
  }

  /** Writes {@code line} to the node's standard input. */
  void send(String line) throws IOException {
    process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().flush();
  }

  /** CPU time the node's JVM used so far. */
  Duration cpuTime() {
    return process.toHandle().info().totalCpuDuration().orElseThrow();
  }

  /** SIGKILL: the JVM gets no chance to release or finish anything. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("node " + name + " did not die on SIGKILL");
    }
  }

  /**
   * Stops the node gracefully by closing its standard input, and returns its exit code; kills it if
   * it takes longer than {@code timeout}.
   */
  int stop(Duration timeout) throws InterruptedException, IOException {
    process.getOutputStream().close();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(
          "node " + name + " did not stop within " + timeout + "; killed it:\n" + tail());
    }
    return process.exitValue();
  }

  /** Everything the node printed so far. */
  List<String> lines() {
    try {
      return Files.readAllLines(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The live nodes among {@code nodes} that lead now, by their latest {@code LEADER} or {@code
   * FOLLOWER} line (printed by a node that declares a periodic job).
   */
  static List<NodeProcess> leaders(List<NodeProcess> nodes) {
    return nodes.stream()
        .filter(NodeProcess::isAlive)
        .filter(
            n ->
                n.lines().stream()
                    .filter(line -> line.startsWith("LEADER ") || line.startsWith("FOLLOWER "))
                    .reduce((first, second) -> second)
                    .orElse("")
                    .equals("LEADER " + n.name()))
        .toList();
  }

  /** The last lines of its output, for failure messages. */
  String tail() {
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
