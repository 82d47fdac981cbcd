package com.acme.tree;

public class Outer {
    static class Middle {
        class Node {
            int value;
            Node next;

            int sum() {
                return next == null ? value : value + next.sum();
            }
            int depth() {
                return 1 + (next == null ? 0 : next.depth());
            }
        }
    }
}
