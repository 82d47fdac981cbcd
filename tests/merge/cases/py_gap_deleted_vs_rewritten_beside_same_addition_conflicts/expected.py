import os

<<<<<<< ours
enable_tracing()
=======
setup_logging(os.environ, quiet=True)
enable_tracing()
>>>>>>> theirs
start()


def main():
    return 0
