"""The figures of a GNU `/usr/bin/time -v -o FILE` report."""


def _seconds(clock):
    # "h:mm:ss" or "m:ss.ss"
    secs = 0.0
    for part in clock.split(":"):
        secs = secs * 60 + float(part)
    return secs


def read_time(path):
    fields = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.strip().rpartition(": ")
            if sep:
                fields[key] = value
    status = int(fields.get("Exit status", "0"))
    if status != 0:
        raise RuntimeError(f"{path}: the command exited with status {status}")
    user = float(fields["User time (seconds)"])
    system = float(fields["System time (seconds)"])
    return {
        "max_rss_mib": int(fields["Maximum resident set size (kbytes)"]) / 1024,
        "wall_s": _seconds(fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"]),
        "user_s": user,
        "system_s": system,
        "cpu_s": user + system,
    }
