SETTINGS = {
    'host': 'localhost',
    'port': 80,
<<<<<<< ours
    u'timeout': 5,
=======
    'timeout': 30,
>>>>>>> theirs
}
