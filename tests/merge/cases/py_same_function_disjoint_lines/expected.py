def parse_config(path):
    """Parse a config file into a dict."""
    result = {}
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            result[key.strip().lower()] = value.strip()
    return result


def dump_config(cfg):
    return "\n".join(f"{k}={v}" for k, v in sorted(cfg.items()))
