package dev.errand.postgres.multiprocess;

import dev.errand.contract.process.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A {@link WorkerNode} (or another main class of these tests) running in a child JVM, its output
 * going to a file: a {@link ChildJvm} with what the PostgreSQL multi-process tests ask of their
 * nodes. {@link #close()} kills it if it still runs, so no process outlives the test.
 */
final class NodeProcess implements AutoCloseable {
  private final ChildJvm jvm;

  private NodeProcess(ChildJvm jvm) {
    this.jvm = jvm;
  }

  /** Starts {@link WorkerNode} with {@code args} in a new JVM on this JVM's class path. */
  static NodeProcess start(String name, Path output, List<String> args) {
    return start(name, output, WorkerNode.class, args);
  }

  /** Starts {@code main} with {@code args} in a new JVM on this JVM's class path. */
  static NodeProcess start(String name, Path output, Class<?> main, List<String> args) {
    return new NodeProcess(ChildJvm.start(name, output, main, args));
  }

  String name() {
    return jvm.name();
  }

  boolean isAlive() {
    return jvm.isAlive();
  }

  /** Waits until the node printed {@code READY}; fails at once if it exits first. */
  void awaitReady(Duration timeout) {
    jvm.awaitLine("READY " + name(), timeout);
  }

  /** Writes {@code line} to the node's standard input. */
  void send(String line) throws IOException {
    jvm.send(line);
  }

  /** CPU time the node's JVM used so far. */
  Duration cpuTime() {
    return jvm.cpuTime();
  }

  /** SIGKILL: the JVM gets no chance to release or finish anything. */
  void kill() throws InterruptedException {
    jvm.kill();
  }

  /**
   * Stops the node gracefully by closing its standard input, and returns its exit code; kills it if
   * it takes longer than {@code timeout}.
   */
  int stop(Duration timeout) throws InterruptedException, IOException {
    return jvm.stop(timeout);
  }

  /** Everything the node printed so far. */
  List<String> lines() {
    return jvm.lines();
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
    return jvm.tail();
  }

  @Override
  public void close() {
    jvm.close();
  }
}
