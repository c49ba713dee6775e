package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * The boundary of the built core module ({@code target/classes} with its {@code module-info}): a
 * user's code reaches {@code dev.errand} and {@code dev.errand.spi}, and nothing of {@code
 * dev.errand.internal}. The module is read from disk rather than from this test's own class, which
 * the test runner patches into the module and opens to itself.
 */
class ModuleBoundaryTest {

  private static final Set<String> PUBLIC = Set.of("dev.errand", "dev.errand.spi");

  @Test
  void theCoreExportsTheApiAndTheSpiOnlyAndOpensNothing() throws Exception {
    ModuleDescriptor core =
        ModuleFinder.of(location(Errand.class)).find("dev.errand").orElseThrow().descriptor();

    assertThat(core.isOpen()).as("an open module").isFalse();
    assertThat(core.opens()).as("opened packages").isEmpty();
    assertThat(
            core.exports().stream()
                .filter(e -> !e.isQualified())
                .map(Exports::source)
                .collect(Collectors.toSet()))
        .as("packages exported to every module")
        .isEqualTo(PUBLIC);
    assertThat(core.exports().stream().filter(Exports::isQualified).map(Exports::toString))
        .as("internal packages exported to named modules only")
        .allMatch(e -> e.startsWith("dev.errand.internal."));
    assertThat(core.packages())
        .as("the internal packages the module holds")
        .contains(
            "dev.errand.internal.engine",
            "dev.errand.internal.maintain",
            "dev.errand.internal.memory");
  }

  @Test
  void inALayerOfItsOwnTheInternalsAreOutOfAUsersReach() throws Exception {
    // The core from its classes; its dependencies from the boot layer when the tests run on the
    // module path, else from their jars.
    ModuleFinder core = ModuleFinder.of(location(Errand.class));
    ModuleFinder dependencies =
        ModuleFinder.of(
            Stream.of(
                    ObjectMapper.class,
                    JsonFactory.class,
                    JsonProperty.class,
                    JavaTimeModule.class,
                    Logger.class,
                    CronParser.class)
                .map(ModuleBoundaryTest::location)
                .distinct()
                .toArray(Path[]::new));
    ModuleLayer boot = ModuleLayer.boot();
    Configuration configuration =
        boot.configuration().resolve(core, dependencies, Set.of("dev.errand"));
    ModuleLayer layer =
        boot.defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());
    Module module = layer.findModule("dev.errand").orElseThrow();
    Module user = getClass().getClassLoader().getUnnamedModule();

    assertThat(module.isExported("dev.errand", user)).isTrue();
    assertThat(module.isExported("dev.errand.spi", user)).isTrue();
    assertThat(module.getPackages()).contains("dev.errand.internal.memory");
    for (String pkg : module.getPackages()) {
      if (!PUBLIC.contains(pkg)) {
        assertThat(module.isExported(pkg, user)).as(pkg).isFalse();
        assertThat(module.isOpen(pkg, user)).as(pkg).isFalse();
      }
    }
    Class<?> memoryStore =
        Class.forName(
            "dev.errand.internal.memory.MemoryStore", false, layer.findLoader("dev.errand"));
    assertThatThrownBy(() -> memoryStore.getConstructor().newInstance())
        .isInstanceOf(IllegalAccessException.class)
        .hasMessageContaining("does not export dev.errand.internal.memory");
    Object store =
        Class.forName("dev.errand.Stores", true, layer.findLoader("dev.errand"))
            .getMethod("inMemory")
            .invoke(null);
    assertThat(store.getClass().getName()).isEqualTo("dev.errand.internal.memory.MemoryStore");
  }

  private static Path location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
