import os
import logging
import sys


def run(cmd):
    logging.info("run %s", cmd)
    return os.system(cmd)


def main():
    sys.exit(run(sys.argv[1]))
