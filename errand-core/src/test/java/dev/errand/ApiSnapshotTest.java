package dev.errand;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API of {@code dev.errand} and {@code dev.errand.spi}, every public or protected type,
 * constructor, method and field, one per line, is checked in as {@code
 * errand-core/api/errand-core.api} (as OkHttp checks in {@code okhttp.api}): a change to the API
 * shows in review as a change to that file, and one made by accident fails the build here.
 *
 * <p>To change the API on purpose, regenerate the file and commit it with the change:
 *
 * <pre>
 * ./mvnw -B -ntp test -pl errand-core -Dtest=ApiSnapshotTest -Derrand.api.update=true
 * </pre>
 */
class ApiSnapshotTest {

  private static final List<String> PACKAGES = List.of("dev.errand", "dev.errand.spi");
  private static final String UPDATE = "errand.api.update";
  private static final String REGENERATE =
      "./mvnw -B -ntp test -pl errand-core -Dtest=ApiSnapshotTest -D" + UPDATE + "=true";

  @Test
  void thePublicApiIsTheCheckedInOne() throws Exception {
    Path golden = Path.of(System.getProperty("basedir", ".")).resolve("api/errand-core.api");
    List<String> actual = api();
    if (Boolean.getBoolean(UPDATE)) {
      Files.createDirectories(golden.getParent());
      Files.write(golden, actual, StandardCharsets.UTF_8);
      System.out.println("ApiSnapshotTest: wrote " + actual.size() + " lines to " + golden);
      return;
    }
    List<String> expected =
        Files.exists(golden) ? Files.readAllLines(golden, StandardCharsets.UTF_8) : List.of();
    if (!expected.equals(actual)) {
      fail(
          "The public API of "
              + PACKAGES
              + " differs from "
              + golden
              + " (- checked in, + now):\n"
              + diff(expected, actual)
              + "\nIf the change is intended, regenerate the file and commit it with the change:\n  "
              + REGENERATE);
    }
  }

  /** Every public member of the API packages, sorted. */
  static List<String> api() throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes =
        Path.of(Errand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Set<String> lines = new TreeSet<>();
    for (String pkg : PACKAGES) {
      Path dir = classes.resolve(pkg.replace('.', '/'));
      List<String> names;
      try (Stream<Path> files = Files.list(dir)) {
        names =
            files
                .map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
                .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length()))
                .toList();
      }
      for (String name : names) {
        Class<?> type = Class.forName(name, false, Errand.class.getClassLoader());
        if (visible(type)) {
          describe(type, lines);
        }
      }
    }
    return new ArrayList<>(lines);
  }

  /** A type a user can name: public (or protected, nested) all the way out. */
  private static boolean visible(Class<?> type) {
    if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
      return false;
    }
    for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
      if (!Modifier.isPublic(t.getModifiers()) && !Modifier.isProtected(t.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static void describe(Class<?> type, Set<String> lines) {
    String name = type.getTypeName();
    lines.add(name + " " + header(type));
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (exposed(c) && !c.isSynthetic()) {
        lines.add(name + " " + c.toGenericString());
      }
    }
    for (Method m : type.getDeclaredMethods()) {
      if (exposed(m) && !m.isSynthetic() && !m.isBridge()) {
        Object dflt = m.getDefaultValue();
        lines.add(
            name
                + " "
                + m.toGenericString()
                + (dflt == null ? "" : " default " + String.valueOf(dflt)));
      }
    }
    for (Field f : type.getDeclaredFields()) {
      if (exposed(f) && !f.isSynthetic()) {
        lines.add(name + " " + f.toGenericString() + constant(f));
      }
    }
  }

  private static boolean exposed(Member member) {
    return Modifier.isPublic(member.getModifiers()) || Modifier.isProtected(member.getModifiers());
  }

  /** Modifiers, kind, type parameters and supertypes: what Class.toGenericString leaves out. */
  private static String header(Class<?> type) {
    int modifiers =
        type.getModifiers()
            & (type.isInterface() ? Modifier.interfaceModifiers() : Modifier.classModifiers());
    if (type.isInterface()) {
      modifiers &= ~Modifier.ABSTRACT;
    }
    if (type.isEnum() || type.isRecord()) {
      modifiers &= ~Modifier.FINAL;
    }
    StringBuilder s = new StringBuilder(Modifier.toString(modifiers));
    if (type.isSealed()) {
      s.append(s.isEmpty() ? "" : " ").append("sealed");
    }
    String kind =
        type.isAnnotation()
            ? "@interface"
            : type.isInterface()
                ? "interface"
                : type.isEnum() ? "enum" : type.isRecord() ? "record" : "class";
    s.append(s.isEmpty() ? "" : " ").append(kind);
    TypeVariable<?>[] parameters = type.getTypeParameters();
    if (parameters.length > 0) {
      s.append(
          Arrays.stream(parameters)
              .map(ApiSnapshotTest::typeParameter)
              .collect(Collectors.joining(",", "<", ">")));
    }
    Type superclass = type.getGenericSuperclass();
    if (superclass != null && superclass != Object.class && !type.isEnum() && !type.isRecord()) {
      s.append(" extends ").append(superclass.getTypeName());
    }
    Type[] interfaces = type.getGenericInterfaces();
    if (interfaces.length > 0 && !type.isAnnotation()) {
      s.append(type.isInterface() ? " extends " : " implements ")
          .append(
              Arrays.stream(interfaces).map(Type::getTypeName).collect(Collectors.joining(",")));
    }
    return s.toString();
  }

  private static String typeParameter(TypeVariable<?> parameter) {
    List<String> bounds =
        Arrays.stream(parameter.getBounds())
            .filter(b -> b != Object.class)
            .map(Type::getTypeName)
            .toList();
    return bounds.isEmpty()
        ? parameter.getName()
        : parameter.getName() + " extends " + String.join(" & ", bounds);
  }

  /** " = value" for a compile-time constant, which callers copy into their own classes. */
  private static String constant(Field f) {
    int m = f.getModifiers();
    if (!Modifier.isStatic(m) || !Modifier.isFinal(m)) {
      return "";
    }
    if (!f.getType().isPrimitive() && f.getType() != String.class) {
      return "";
    }
    try {
      Object value = f.get(null);
      return " = " + (value instanceof String text ? '"' + text + '"' : String.valueOf(value));
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The lines only in one list or the other, in the golden file's order. */
  private static String diff(List<String> expected, List<String> actual) {
    Set<String> before = new TreeSet<>(expected);
    Set<String> after = new TreeSet<>(actual);
    Set<String> all = new TreeSet<>(before);
    all.addAll(after);
    StringBuilder out = new StringBuilder();
    for (String line : all) {
      if (!after.contains(line)) {
        out.append("- ").append(line).append('\n');
      } else if (!before.contains(line)) {
        out.append("+ ").append(line).append('\n');
      }
    }
    return out.toString();
  }
}
