import os
import sys
import logging


def run(cmd):
    return os.system(cmd)


def main():
    logging.basicConfig()
    sys.exit(run(sys.argv[1]))
