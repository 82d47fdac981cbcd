import os

setup_logging(os.environ)
start()


def main():
    return 0
