/*
 * Sample.java - a small inventory service used by the fixture.
 */
package com.example.inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.*;
import static java.util.Objects.requireNonNull;
import static java.lang.Math.*;

/**
 * Keeps items in memory and reports on them.
 */
@SuppressWarnings("unchecked")
public class Sample implements Comparable<Sample> {
    /** Most items kept. */
    public static final int MAX_ITEMS = 100;
    private static int instances = 0;
    protected final List<Item> items = new ArrayList<>();
    String label, extra;

    /** An item of stock. */
    public record Item(String name, int count) {
        public Item {
            requireNonNull(name);
        }

        int doubled() {
            return count * 2;
        }
    }

    /** Where an item is kept. */
    enum Location {
        SHELF("s"),
        BACK_ROOM("b");

        private final String code;

        Location(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** Listens for changes. */
    public interface Listener {
        int PRIORITY = 5;

        void changed(Item item);

        default void removed(Item item) {
            changed(item);
        }
    }

    @interface Audited {
        String value() default "";
    }

    /**
     * Makes an empty inventory.
     * @param label shown in reports
     */
    public Sample(String label) {
        this.label = requireNonNull(label);
        instances++;
    }

    @Override
    public int compareTo(Sample other) {
        return Integer.compare(items.size(), other.items.size());
    }

    // Adds one item, dropping the oldest when full.
    public synchronized void add(Item item) {
        if (items.size() >= MAX_ITEMS) {
            items.remove(0);
        }
        items.add(item);
        notifyAll();
    }

    private static abstract class Report {
        abstract String render(List<Item> items);

        static class Plain extends Report {
            @Override
            String render(List<Item> items) {
                StringBuilder sb = new StringBuilder();
                for (Item it : items) {
                    sb.append(it.name()).append('\n');
                }
                return sb.toString();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Sample s = new Sample("main");
        s.add(new Item("apple", max(1, 3)));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        pool.submit(() -> System.out.println(s.items.size()));
        pool.shutdown();
    }
}

interface Clock {
    long now();
}
