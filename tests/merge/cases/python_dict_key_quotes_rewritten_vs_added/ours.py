PRIORITIES = {
    'default': 0,
    'command': 10,
    'addon': 15,
    'project': 20,
}
