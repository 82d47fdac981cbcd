package com.acme.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public class Report {
    private final List<String> lines = new ArrayList<>();

    public void add(String line) {
        lines.add(line);
    }

    public Map<String, Integer> stats() {
        return Map.of("lines", lines.size());
    }

    public String render() {
        return String.join("\n", lines);
    }
}
