import os
import sys


def run(cmd):
    return os.system(cmd)


def main():
    sys.exit(run(sys.argv[1]))
