package com.acme.util;

public final class Paths2 {
    private Paths2() {}

    public static String ext(String name) {
        int i = name.lastIndexOf('.');
        return i <= 0 ? "" : name.substring(i + 1);
    }

    /**
     * Old name of {@link #ext(String)}.
     *
     * @deprecated use ext
     */
    @Deprecated
    public static String extension(String name) {
        return ext(name);
    }

    public static String base(String name) {
        int i = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        return name.substring(i + 1);
    }
}
