package com.acme.report;

import java.util.ArrayList;
import java.util.Objects;
import java.util.List;

public class Report {
    private final List<String> lines = new ArrayList<>();

    public void add(String line) {
        lines.add(Objects.requireNonNull(line));
    }

    public String render() {
        return Objects.toString(String.join("\n", lines), "");
    }
}
