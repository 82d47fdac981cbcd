package com.acme.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Collections;

public class Report {
    private final List<String> lines = new ArrayList<>();

    public void add(String line) {
        lines.add(line);
        Collections.sort(lines);
    }

    public Map<String, Integer> stats() {
        return Map.of("lines", lines.size());
    }

    public String render() {
        return String.join("\n", lines);
    }
}
