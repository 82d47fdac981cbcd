package com.acme.i18n;

public class Greeter {
    public String hello(String name) {
        return "Grüß Gott, " + name + " 👋";
    }
    public String bye(String name) {
        return "さようなら、" + name;
    }
}
