package com.acme.store;

import java.util.ArrayList;
import java.util.List;

public class Repo<T> {
    private final List<T> items = new ArrayList<>();

    public void save(T item) {
        items.add(item);
    }

    public List<T> all() {
        return List.copyOf(items);
    }

    public int size() {
        return items.size();
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }
}
