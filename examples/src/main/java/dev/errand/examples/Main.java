package dev.errand.examples;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The command line of the examples, run by {@code ./errand <command>}. Exit codes: 0 success, 1 the
 * command ran but failed, 2 bad usage.
 */
public final class Main {

  static final String USAGE =
      """
      Usage: errand <command>

      Commands:
        demo        run a small application's background jobs on the in-memory store:
                    sign-in e-mails, an import of 10,000 items, a flaky webhook and a
                    delayed reminder, with progress and a summary

      Options:
        -h, --help  print this help
      """;

  private Main() {}

  /** Runs the command in {@code args} and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command in {@code args}, printing to {@code out} and {@code err}; the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.print(USAGE);
      return 2;
    }
    String command = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    return switch (command) {
      case "-h", "--help" -> {
        out.print(USAGE);
        yield 0;
      }
      case "demo" -> demo(rest, out, err);
      default -> usageError("unknown command '" + command + "'", err);
    };
  }

  private static int demo(String[] rest, PrintStream out, PrintStream err) {
    if (rest.length > 0) {
      return usageError("demo takes no arguments, got " + String.join(" ", rest), err);
    }
    DemoSummary summary = new DemoApp(out).run();
    return summary.succeeded() ? 0 : 1;
  }

  private static int usageError(String message, PrintStream err) {
    err.println("errand: " + message + "; run 'errand --help' for usage");
    return 2;
  }
}
