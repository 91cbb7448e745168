package org.lrp4j.lrp.composites;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.Role;

/**
 * Which nodes a composite entry applies to: by op type, by node name (exact or glob with * and ?), by position
 * among the linear (Conv and Gemm) nodes, or all.
 */
public sealed interface Selector {

    /** Whether a node carries weights and so takes the weighted rules (Conv, Gemm: {@link Role#WEIGHTED}). */
    static boolean weighted(Node node) {
        return node.layer().role() == Role.WEIGHTED;
    }

    boolean matches(Node node, Model model);

    String describe();

    static Selector opType(String... types) {
        return new OpType(Set.of(types));
    }

    /** The nodes whose layers have one of these roles. */
    static Selector role(Role... roles) {
        return new Roles(Set.of(roles));
    }

    static Selector name(String globOrName) {
        return new Name(globOrName);
    }

    /** The first Conv or Gemm node in graph order. */
    static Selector first() {
        return new LinearIndex(0, 1);
    }

    /** The first node of one of these op types. */
    static Selector firstOf(String... types) {
        return new FirstOf(Set.of(types));
    }

    /** Linear nodes with index in [from, to) (negative counts from the end, Python-style). */
    static Selector linearRange(int from, int to) {
        return new LinearIndex(from, to);
    }

    static Selector all() {
        return new All();
    }

    /**
     * Reads a selector as written on the command line: {@code *}, {@code first}, {@code last}, {@code linear} (every
     * Conv and Gemm node),
     * {@code linear[2]} / {@code linear[1:3]}, an op type known to lrp4j (Conv, Gemm, Relu, ...), or a node
     * name / glob.
     */
    static Selector parse(String text, Model model) {
        String t = text.trim();
        if (t.equals("*")) {
            return all();
        }
        if (t.equals("first")) {
            return first();
        }
        if (t.equals("linear")) {
            return linearRange(0, Integer.MAX_VALUE);
        }
        if (t.equals("last")) {
            return linearRange(-1, Integer.MAX_VALUE);
        }
        var m = Pattern.compile("linear\\[(-?\\d+)(?::(-?\\d*))?]").matcher(t);
        if (m.matches()) {
            int from = Integer.parseInt(m.group(1));
            int to = m.group(2) == null ? (from == -1 ? Integer.MAX_VALUE : from + 1)
                    : m.group(2).isEmpty() ? Integer.MAX_VALUE : Integer.parseInt(m.group(2));
            return linearRange(from, to);
        }
        for (Node n : model.nodes()) {
            if (n.name().equals(t)) {
                return name(t);
            }
        }
        for (Node n : model.nodes()) {
            if (n.opType().equals(t)) {
                return opType(t);
            }
        }
        return name(t);
    }

    record Roles(Set<Role> roles) implements Selector {
        @Override
        public boolean matches(Node node, Model model) {
            return roles.contains(node.layer().role());
        }

        @Override
        public String describe() {
            return "role:" + String.join("|", roles.stream().map(r -> r.name().toLowerCase(java.util.Locale.ROOT))
                    .sorted().toList());
        }
    }

    record OpType(Set<String> types) implements Selector {
        @Override
        public boolean matches(Node node, Model model) {
            return types.contains(node.opType());
        }

        @Override
        public String describe() {
            return types.size() == 1 ? types.iterator().next() : String.join("|", types);
        }
    }

    record Name(String glob) implements Selector {
        @Override
        public boolean matches(Node node, Model model) {
            if (glob.indexOf('*') < 0 && glob.indexOf('?') < 0) {
                return node.name().equals(glob);
            }
            StringBuilder re = new StringBuilder();
            for (char ch : glob.toCharArray()) {
                re.append(ch == '*' ? ".*" : ch == '?' ? "." : Pattern.quote(String.valueOf(ch)));
            }
            return node.name().matches(re.toString());
        }

        @Override
        public String describe() {
            return glob;
        }
    }

    record LinearIndex(int from, int to) implements Selector {
        @Override
        public boolean matches(Node node, Model model) {
            List<Node> linear = model.nodes().stream().filter(Selector::weighted).toList();
            int i = linear.indexOf(node);
            if (i < 0) {
                return false;
            }
            int n = linear.size();
            int lo = from < 0 ? from + n : from;
            int hi = to == Integer.MAX_VALUE ? n : to < 0 ? to + n : to;
            return i >= lo && i < hi;
        }

        @Override
        public String describe() {
            return from == 0 && to == 1 ? "first" : "linear[" + from + ":" + (to == Integer.MAX_VALUE ? "" : to) + "]";
        }
    }

    record FirstOf(Set<String> types) implements Selector {
        @Override
        public boolean matches(Node node, Model model) {
            for (Node n : model.nodes()) {
                if (types.contains(n.opType())) {
                    return n == node;
                }
            }
            return false;
        }

        @Override
        public String describe() {
            return "first " + String.join("|", types);
        }
    }

    record All() implements Selector {
        @Override
        public boolean matches(Node node, Model model) {
            return true;
        }

        @Override
        public String describe() {
            return "*";
        }
    }
}
