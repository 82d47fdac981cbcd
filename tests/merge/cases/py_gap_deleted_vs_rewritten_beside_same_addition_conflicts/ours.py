import os

enable_tracing()
start()


def main():
    return 0
