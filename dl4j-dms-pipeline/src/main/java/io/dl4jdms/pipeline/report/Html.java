package io.dl4jdms.pipeline.report;

import java.util.Locale;

/** The pieces every report page is made of: the page with its style, escaped text, table rows, numbers. */
public final class Html {

    private static final String STYLE = "body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
            + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
            + "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{max-width:100%}";

    private Html() {
    }

    /** A whole page: the title as {@code <title>} and {@code <h1>}, then the body (already HTML). */
    public static String page(String title, CharSequence body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title>\n<style>" + STYLE + "</style>\n</head><body>\n<h1>" + escape(title) + "</h1>\n" + body
                + "</body></html>\n";
    }

    /** Text with {@code &}, {@code <} and {@code >} escaped; "" for null. */
    public static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** A table row of header cells, escaped. */
    public static String headerRow(String... cells) {
        return row("th", cells);
    }

    /** A table row of data cells, escaped. */
    public static String row(String... cells) {
        return row("td", cells);
    }

    private static String row(String tag, String... cells) {
        StringBuilder b = new StringBuilder("<tr>");
        for (String cell : cells) {
            b.append('<').append(tag).append('>').append(escape(cell)).append("</").append(tag).append('>');
        }
        return b.append("</tr>\n").toString();
    }

    /** A number with the given {@code String.format} pattern, in the root locale; "" for NaN. */
    public static String number(String format, double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, format, value);
    }
}
