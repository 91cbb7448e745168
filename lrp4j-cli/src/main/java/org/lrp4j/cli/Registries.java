package org.lrp4j.cli;

import java.util.Iterator;

import org.lrp4j.explain.Explainers;
import org.lrp4j.lrp.composites.Composites;

/**
 * The core registries' names as picocli completion candidates: an option's help lists them with
 * {@code ${COMPLETION-CANDIDATES}}, so adding a method or a preset in the core updates every command's help.
 */
final class Registries {
    private Registries() {
    }

    /** {@link Composites#NAMES}. */
    static final class CompositeNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Composites.NAMES.iterator();
        }
    }

    /** {@link Explainers#NAMES}. */
    static final class MethodNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Explainers.NAMES.iterator();
        }
    }
}
