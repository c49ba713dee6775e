package dev.errand;

/** Args shared by the engine tests. */
final class TestArgs {
  private TestArgs() {}

  record Noop(int n) implements JobArgs {
    @Override
    public String kind() {
      return "noop";
    }
  }

  record Step(String name) implements JobArgs {
    @Override
    public String kind() {
      return "step";
    }
  }
}
