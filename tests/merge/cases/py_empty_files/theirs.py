def created():
    return 1
