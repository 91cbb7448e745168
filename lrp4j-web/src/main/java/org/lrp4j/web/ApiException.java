package org.lrp4j.web;

/** A request the server refuses: the HTTP status and one line for the user (never internals). */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
