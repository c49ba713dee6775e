package dev.errand.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** errand-bom names every module an application may depend on, at the project's version. */
class BomTest {
  private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).resolve("..");

  /** Modules nothing depends on: not in the BOM. */
  private static final Set<String> NOT_DEPENDED_ON = Set.of("errand-bom", "errand-bench");

  @Test
  void theBomManagesEveryPublishedModuleAtTheParentsVersion() throws Exception {
    Document parent = parse(ROOT.resolve("pom.xml"));
    Document bom = parse(ROOT.resolve("errand-bom/pom.xml"));
    String version = text(parent.getDocumentElement(), "version");

    List<String> published = new ArrayList<>();
    for (Element module : children(child(parent.getDocumentElement(), "modules"), "module")) {
      String artifactId =
          text(
              parse(ROOT.resolve(module.getTextContent()).resolve("pom.xml")).getDocumentElement(),
              "artifactId");
      if (!NOT_DEPENDED_ON.contains(artifactId)) {
        published.add(artifactId);
      }
    }
    List<String> managed = new ArrayList<>();
    Element dependencies =
        child(child(bom.getDocumentElement(), "dependencyManagement"), "dependencies");
    for (Element dependency : children(dependencies, "dependency")) {
      assertThat(text(dependency, "groupId")).isEqualTo("dev.errand");
      assertThat(text(dependency, "version")).isEqualTo("${project.version}");
      managed.add(text(dependency, "artifactId"));
    }

    assertThat(text(bom.getDocumentElement(), "version"))
        .as("errand-bom has no parent: its version must be set to errand-parent's by hand")
        .isEqualTo(version);
    assertThat(managed)
        .as("a module added to the build goes into errand-bom/pom.xml too")
        .containsExactlyInAnyOrderElementsOf(published);
  }

  private static Document parse(Path file) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
  }

  private static Element child(Element parent, String name) {
    List<Element> found = children(parent, name);
    assertThat(found).as("<%s> in <%s>", name, parent.getTagName()).hasSize(1);
    return found.get(0);
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> found = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        found.add(e);
      }
    }
    return found;
  }

  private static String text(Element parent, String name) {
    return child(parent, name).getTextContent().trim();
  }
}
