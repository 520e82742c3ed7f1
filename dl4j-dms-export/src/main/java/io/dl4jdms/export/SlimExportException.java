package io.dl4jdms.export;

/**
 * The searched network cannot be turned into an exact slim network: the message names the layers or
 * vertices involved and says what to change.
 */
public class SlimExportException extends IllegalArgumentException {

    public SlimExportException(String message) {
        super(message);
    }

    public SlimExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
