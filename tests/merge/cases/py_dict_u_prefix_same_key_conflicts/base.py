SETTINGS = {
    'host': 'localhost',
    'port': 80,
}
