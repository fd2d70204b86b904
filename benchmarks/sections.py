"""Sections of benchmarks/RESULTS.md that other scripts own: run.py rewrites the file, cost_curves.py and
float64.py each replace only their own section, between an opening and a closing marker."""
import os
import re


def markers(name):
    return f"<!-- {name}: written by benchmarks/{name}.py -->", f"<!-- /{name} -->"


def write(name, text, path):
    """Put `text` (without markers) in section `name` of `path`, replacing the old one or appending."""
    start, end = markers(name)
    block = f"{start}\n{text}\n{end}"
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else "# pyffnn benchmarks\n"
    if start in old and end in old:
        new = old[:old.index(start)] + block + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def owned(path):
    """Every owned section of `path` as (name, text), in file order."""
    if not path or not os.path.exists(path):
        return []
    text = open(path, encoding="utf-8").read()
    return [(m[1], m[2].strip("\n")) for m in
            re.finditer(r"<!-- (\w+): written by benchmarks/\w+\.py -->\n(.*?)<!-- /\1 -->", text, flags=re.S)]
