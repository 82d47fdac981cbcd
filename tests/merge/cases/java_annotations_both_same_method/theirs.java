package com.acme.cache;

import java.util.HashMap;
import java.util.Map;

public class Lookup {
    private final Map<String, Integer> table = new HashMap<>();

    /** Returns the code for a name, or -1. */
    public int code(String name) {
        Integer v = table.get(name);
        return v == null ? 0 : v;
    }

    @SuppressWarnings("unchecked")
    public void put(String name, int code) {
        table.put(name, code);
    }
}
