package com.acme.jobs;

public class Runner {
    private int runs;

    public void run(int times) {
        runs += times;
    }

    public int runs() {
        return runs;
    }
}
