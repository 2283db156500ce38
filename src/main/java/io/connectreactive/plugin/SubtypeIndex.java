package io.connectreactive.plugin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.objectweb.asm.ClassReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which classes of a plugin may be plugins, read from their class files without loading them (ASM reads
 * each file's name, superclass and interfaces): a class is kept when one of its supertypes, followed
 * through the plugin's own classes and then through the classes its parent loader knows (connect-api),
 * is one of the plugin supertypes. Loading every class of a plugin that bundles Hibernate and five JDBC
 * drivers takes a minute; reading them takes a second. Not thread-safe: one scan at a time.
 */
final class SubtypeIndex {

    private static final Logger LOG = LoggerFactory.getLogger(SubtypeIndex.class);

    /** Internal name → its superclass and interfaces (internal names), for the plugin's own classes. */
    private final Map<String, String[]> supertypes = new HashMap<>();
    /** Internal name → whether it is, or extends, a plugin supertype. */
    private final Map<String, Boolean> answers = new HashMap<>();
    private final ClassLoader parent;
    private final Set<Class<?>> roots;
    /** The roots' internal names: a plugin that bundles connect-api still extends them by name. */
    private final Set<String> rootNames = new HashSet<>();

    SubtypeIndex(ClassLoader parent, Set<Class<?>> roots) {
        this.parent = parent;
        this.roots = roots;
        roots.forEach(r -> rootNames.add(r.getName().replace('.', '/')));
    }

    /** The binary names of the classes among {@code classFiles} that are subtypes of a root, in file order. */
    List<String> subtypes(List<byte[]> classFiles) {
        List<String> names = new ArrayList<>();
        for (byte[] file : classFiles) {
            try {
                ClassReader reader = new ClassReader(file);
                String name = reader.getClassName();
                String[] interfaces = reader.getInterfaces();
                String[] direct = new String[interfaces.length + 1];
                direct[0] = reader.getSuperName();
                System.arraycopy(interfaces, 0, direct, 1, interfaces.length);
                supertypes.put(name, direct);
                names.add(name);
            } catch (RuntimeException e) {
                // not a class file ASM can read (a class-file version newer than it knows): not a plugin this JVM could load
                LOG.debug("Skipping an unreadable class file: {}", e.toString());
            }
        }
        List<String> found = new ArrayList<>();
        for (String name : names) {
            if (extendsRoot(name, 0)) {
                found.add(name.replace('/', '.'));
            }
        }
        return found;
    }

    private boolean extendsRoot(String internalName, int depth) {
        if (internalName == null || depth > 64) {
            return false;
        }
        if (rootNames.contains(internalName)) {
            return true;
        }
        Boolean known = answers.get(internalName);
        if (known != null) {
            return known;
        }
        boolean result;
        String[] direct = supertypes.get(internalName);
        if (direct != null) {
            result = false;
            for (String s : direct) {
                if (extendsRoot(s, depth + 1)) {
                    result = true;
                    break;
                }
            }
        } else {
            result = parentExtendsRoot(internalName.replace('/', '.'));
        }
        answers.put(internalName, result);
        return result;
    }

    /** A class outside the plugin: whether the parent loader has it and it extends a root. */
    private boolean parentExtendsRoot(String binaryName) {
        if (binaryName.startsWith("java.")) {
            return false;
        }
        try {
            Class<?> c = Class.forName(binaryName, false, parent);
            for (Class<?> root : roots) {
                if (root.isAssignableFrom(c)) {
                    return true;
                }
            }
            return false;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
