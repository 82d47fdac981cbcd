var config = {};

config.name = "app";
