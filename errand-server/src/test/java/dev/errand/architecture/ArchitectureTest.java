package dev.errand.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The package rules of Errand's library, checked on the compiled classes of every module this one
 * depends on (core, jdbc, postgres, sqlite, redis, examples) and its own. It lives here because
 * this is the module that sees them all; the module system enforces the same boundary at run time
 * (see each library module's {@code module-info.java}).
 */
class ArchitectureTest {

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          // Nor test jars (errand-postgres's, with TestDatabase): test code, not the library's.
          .withImportOption(location -> !location.contains("-tests.jar"))
          .importPackages("dev.errand");

  @Test
  void everyLibraryModuleIsImported() {
    assertThat(CLASSES.stream().map(JavaClass::getPackageName).collect(Collectors.toSet()))
        .contains(
            "dev.errand",
            "dev.errand.spi",
            "dev.errand.internal.engine",
            "dev.errand.internal.maintain",
            "dev.errand.internal.memory",
            "dev.errand.jdbc.internal",
            "dev.errand.postgres",
            "dev.errand.sqlite",
            "dev.errand.redis");
  }

  @Test
  void theSpiDependsOnNoInternalPackage() {
    noClasses()
        .that()
        .resideInAPackage("dev.errand.spi..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.errand.internal..", "dev.errand.jdbc..")
        .because(
            "a store is written against the SPI alone: an SPI type that reaches into the engine or"
                + " the in-memory store ties every store to them, and the module system keeps"
                + " dev.errand.internal from the stores' modules anyway")
        .check(CLASSES);
  }

  @Test
  void storesDependOnNoInternalPackageOfTheCore() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.errand.postgres..",
            "dev.errand.sqlite..",
            "dev.errand.redis..",
            "dev.errand.jdbc..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.errand.internal..")
        .because(
            "a store implements the SPI and nothing else: the engine and the maintenance services"
                + " call a store, never the reverse, so that each can change without the other;"
                + " core exports no internal package to any store module")
        .check(CLASSES);
  }

  @Test
  void theServerAndTheExamplesUseThePublicApiOnly() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.errand.server..", "dev.errand.examples..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.errand.internal..", "dev.errand.jdbc..")
        .because(
            "the server and the examples are built only on the public API, as a user's code is:"
                + " if they need more, the public API is missing it")
        .check(CLASSES);
  }

  /**
   * No class depends, through any chain, on a class that depends back on it, when the two are in
   * different packages: such a cycle makes the packages one unit in all but name. Cycles inside a
   * package are allowed.
   */
  @Test
  void noDependencyCycleSpansTwoPackages() {
    List<List<JavaClass>> crossing =
        stronglyConnectedComponents(CLASSES).stream()
            .filter(c -> c.stream().map(JavaClass::getPackageName).distinct().count() > 1)
            .toList();
    assertThat(crossing)
        .as(
            "class dependency cycles spanning more than one package (break each by moving a type"
                + " to the package of its user, or by an interface in the package that must not"
                + " know the other):\n%s",
            crossing.stream()
                .map(
                    c ->
                        c.stream()
                            .map(JavaClass::getName)
                            .sorted()
                            .collect(Collectors.joining(", ", "  [", "]")))
                .collect(Collectors.joining("\n")))
        .isEmpty();
  }

  /** Tarjan's algorithm, iterative, over the dependencies between the imported classes. */
  private static List<List<JavaClass>> stronglyConnectedComponents(JavaClasses classes) {
    Map<JavaClass, List<JavaClass>> edges = new LinkedHashMap<>();
    for (JavaClass from : sorted(classes)) {
      Set<JavaClass> targets = new TreeSet<>(Comparator.comparing(JavaClass::getName));
      for (Dependency d : from.getDirectDependenciesFromSelf()) {
        JavaClass to = d.getTargetClass();
        if (!to.equals(from) && classes.contain(to.getName())) {
          targets.add(classes.get(to.getName()));
        }
      }
      edges.put(from, new ArrayList<>(targets));
    }
    Map<JavaClass, Integer> index = new HashMap<>();
    Map<JavaClass, Integer> low = new HashMap<>();
    Deque<JavaClass> stack = new ArrayDeque<>();
    Set<JavaClass> onStack = new java.util.HashSet<>();
    List<List<JavaClass>> components = new ArrayList<>();
    for (JavaClass root : edges.keySet()) {
      if (index.containsKey(root)) {
        continue;
      }
      // Each frame: a class and the position of the next edge to follow.
      Deque<Map.Entry<JavaClass, int[]>> frames = new ArrayDeque<>();
      frames.push(Map.entry(root, new int[] {0}));
      index.put(root, index.size());
      low.put(root, index.get(root));
      stack.push(root);
      onStack.add(root);
      while (!frames.isEmpty()) {
        JavaClass v = frames.peek().getKey();
        int[] next = frames.peek().getValue();
        List<JavaClass> out = edges.get(v);
        if (next[0] < out.size()) {
          JavaClass w = out.get(next[0]++);
          if (!index.containsKey(w)) {
            index.put(w, index.size());
            low.put(w, index.get(w));
            stack.push(w);
            onStack.add(w);
            frames.push(Map.entry(w, new int[] {0}));
          } else if (onStack.contains(w)) {
            low.put(v, Math.min(low.get(v), index.get(w)));
          }
          continue;
        }
        frames.pop();
        if (!frames.isEmpty()) {
          JavaClass parent = frames.peek().getKey();
          low.put(parent, Math.min(low.get(parent), low.get(v)));
        }
        if (low.get(v).equals(index.get(v))) {
          List<JavaClass> component = new ArrayList<>();
          JavaClass w;
          do {
            w = stack.pop();
            onStack.remove(w);
            component.add(w);
          } while (!w.equals(v));
          components.add(component);
        }
      }
    }
    return components;
  }

  private static List<JavaClass> sorted(JavaClasses classes) {
    return classes.stream().sorted(Comparator.comparing(JavaClass::getName)).toList();
  }
}
