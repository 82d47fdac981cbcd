import os
import sys
import re


def main(argv):
    path = argv[1] if len(argv) > 1 else os.getcwd()
    print(path)
    sys.stdout.flush()
    return 0 if re.match(r"\w", path) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
