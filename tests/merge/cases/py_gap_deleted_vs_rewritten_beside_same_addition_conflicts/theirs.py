import os

setup_logging(os.environ, quiet=True)
enable_tracing()
start()


def main():
    return 0
