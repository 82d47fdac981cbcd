package com.acme.report;

import java.util.ArrayList;
import java.util.List;

public class Report {
    private final List<String> lines = new ArrayList<>();

    public void add(String line) {
        lines.add(line);
    }

    public String render() {
        return String.join("\n", lines);
    }
}
