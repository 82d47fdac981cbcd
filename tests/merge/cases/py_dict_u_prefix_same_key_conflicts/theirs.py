SETTINGS = {
    'host': 'localhost',
    'port': 80,
    'timeout': 30,
}
