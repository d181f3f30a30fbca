"""What every bench/lib/summarize_*.py does at its end: the JSON summary, the markdown table, and the
table on standard output."""
import json
import os
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def read_loads(raw):
    """The 1-minute load averages the run scripts wrote to RAW/load.log (one per line, `... a b c`)."""
    loads = []
    with open(os.path.join(raw, "load.log")) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                loads.append(float(parts[-3]))
    return loads


def write_report(summary, markdown_text, md_path, json_path):
    with open(json_path, "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    with open(md_path, "w") as f:
        f.write(markdown_text)
    sys.stdout.write(markdown_text)


def run(doc, summarize, markdown):
    """The main of a summarizer: RAW_DIR OUT.md OUT.json from the command line."""
    if len(sys.argv) != 4:
        sys.exit(doc)
    raw, md, js = sys.argv[1:]
    s = summarize(raw)
    write_report(s, markdown(s), md, js)
