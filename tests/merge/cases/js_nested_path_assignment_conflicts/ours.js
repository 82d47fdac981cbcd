var config = {};

config.name = "app";

config.db.host = "localhost";
