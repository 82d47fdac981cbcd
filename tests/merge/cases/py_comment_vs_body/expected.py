import re

# Matches a semantic version such as 1.2.3.
# Pre-release and build tags are ignored.
def parse_version(s):
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", s)
    if not m:
        raise ValueError(s)
    return tuple(int(g) for g in m.groups())


def newer(a, b):
    return parse_version(a) > parse_version(b)
