SETTINGS = {
    'host': 'localhost',
    'port': 80,
    u'timeout': 5,
}
