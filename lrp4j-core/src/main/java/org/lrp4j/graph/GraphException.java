package org.lrp4j.graph;

/** A model graph is malformed (cycle, dangling input, duplicate name) or a node failed; the message names it. */
public class GraphException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public GraphException(String message) {
        super(message);
    }

    public GraphException(String message, Throwable cause) {
        super(message, cause);
    }
}
