import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Writes THIRD-PARTY.txt for the release archive at build time: every artifact it bundles in libs/,
 * with the license its POM (or the nearest parent POM that names one) declares. Run by the build
 * (exec-maven-plugin, package phase) as a single-file Java program:
 * {@code java src/build/ThirdPartyNotices.java <dependency:list output> <local repository> <out file>}.
 * The list is maven-dependency-plugin's {@code list} of the runtime scope with absolute file names.
 */
public final class ThirdPartyNotices {

    public static void main(String[] args) throws Exception {
        Path list = Path.of(args[0]);
        Path repo = Path.of(args[1]);
        Path out = Path.of(args[2]);
        Map<String, List<String>> byLicense = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int count = 0;
        for (String raw : Files.readAllLines(list, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            int module = line.indexOf(" -- ");
            if (module >= 0) {
                line = line.substring(0, module).strip();
            }
            String[] parts = line.split(":");
            if (parts.length < 6 || !line.contains("/")) {
                continue; // the list's header and blank lines
            }
            String groupId = parts[0];
            String artifactId = parts[1];
            String version = parts[parts.length - 3];
            Path jar = Path.of(parts[parts.length - 1]);
            Path pom = jar.resolveSibling(artifactId + "-" + version + ".pom");
            String license = license(pom, repo);
            byLicense.computeIfAbsent(license, k -> new ArrayList<>()).add(groupId + ":" + artifactId + ":" + version);
            count++;
        }
        StringBuilder text = new StringBuilder()
                .append("Third-party software bundled in libs/ of this release (").append(count).append(" artifacts),\n")
                .append("grouped by the license each artifact's Maven POM declares. Generated at build time from the\n")
                .append("runtime dependencies; an artifact's own NOTICE and LICENSE files, where it has them, are in\n")
                .append("its jar under META-INF/.\n");
        byLicense.forEach((license, artifacts) -> {
            text.append("\n").append(license).append("\n");
            artifacts.stream().sorted().forEach(a -> text.append("  ").append(a).append("\n"));
        });
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, text, StandardCharsets.UTF_8);
    }

    /** The licenses of {@code pom}, else of its nearest parent that declares any, as "name <url>; ...". */
    private static String license(Path pom, Path repo) throws Exception {
        for (int depth = 0; depth < 10 && Files.isRegularFile(pom); depth++) {
            Element project = read(pom).getDocumentElement();
            List<String> names = new ArrayList<>();
            Element licenses = child(project, "licenses");
            if (licenses != null) {
                NodeList each = licenses.getElementsByTagName("license");
                for (int i = 0; i < each.getLength(); i++) {
                    Element l = (Element) each.item(i);
                    String name = text(l, "name");
                    String url = text(l, "url");
                    names.add((name.isEmpty() ? "(unnamed license)" : name) + (url.isEmpty() ? "" : " <" + url + ">"));
                }
            }
            if (!names.isEmpty()) {
                return String.join("; ", names);
            }
            Element parent = child(project, "parent");
            if (parent == null) {
                break;
            }
            String g = text(parent, "groupId");
            String a = text(parent, "artifactId");
            String v = text(parent, "version");
            pom = repo.resolve(g.replace('.', '/')).resolve(a).resolve(v).resolve(a + "-" + v + ".pom");
        }
        return "No license declared in its POM";
    }

    private static Document read(Path pom) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        try (var in = Files.newInputStream(pom)) {
            return f.newDocumentBuilder().parse(in);
        } catch (IOException e) {
            throw new IOException("Cannot read " + pom, e);
        }
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? "" : e.getTextContent().strip().replaceAll("\\s+", " ");
    }
}
