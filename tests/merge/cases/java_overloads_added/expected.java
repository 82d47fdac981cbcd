package com.acme.jobs;

public class Runner {
    private int runs;

    public void run(int times) {
        runs += times;
    }

    public void run() {
        run(1);
    }

    public void run(boolean twice) {
        run(twice ? 2 : 1);
    }

    public int runs() {
        return runs;
    }
}
