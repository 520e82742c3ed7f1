package io.dl4jdms.convert;

/** A network that cannot be turned into a supernet; the message names the vertex and why. */
public class ConversionException extends IllegalArgumentException {

    public ConversionException(String message) {
        super(message);
    }

    public ConversionException(String message, Throwable cause) {
        super(message, cause);
    }
}
