package com.acme.tree;

public class Outer {
    static class Middle {
        class Node {
            int value;
            Node next;

            int sum() {
                return value + (next == null ? 0 : next.sum());
            }
            int depth() {
                return 1 + (next == null ? 0 : next.depth());
            }
        }
    }
}
