var config = {};

config.name = "app";
<<<<<<< ours

config.db.host = "localhost";
=======

config.db = {};
>>>>>>> theirs
