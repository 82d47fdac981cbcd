package com.acme.text;

public final class Slugs {
    private Slugs() {}

    public static String slugify(String s) {
        String t = s.trim().toLowerCase();
        StringBuilder out = new StringBuilder();
        boolean dash = false;
        for (char c : t.toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                out.append(c);
                dash = false;
            } else if (!dash) {
                out.append('-');
                dash = true;
            }
        }
        return out.toString();
    }
}
