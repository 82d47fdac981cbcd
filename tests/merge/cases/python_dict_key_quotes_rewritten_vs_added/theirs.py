PRIORITIES = {
    "default": 0,
    "command": 10,
    "project": 20,
}
