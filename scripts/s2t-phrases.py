#!/usr/bin/env python3
"""Writes data/s2t-phrases.txt: the Simplified phrases of OpenCC's STPhrases.txt whose Traditional
form is not the one their characters give one at a time (复议 is 複議, not 復議).

    python3 scripts/s2t-phrases.py DICTIONARIES_DIR > data/s2t-phrases.txt

DICTIONARIES_DIR holds OpenCC's STCharacters.txt and STPhrases.txt: the `assets/dictionaries`
folder of the ferrous-opencc crate that gongbao is built with (under ~/.cargo/registry/src/).
gongbao converts each listed phrase with that crate at build time and publishes the pairs in
search/s2t.txt, so that the 繁體 search page shows results as the 繁體 pages do.
"""
import os
import sys


def load(path):
    table = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            key, values = line.rstrip("\n").split("\t")
            table[key] = values.split(" ")[0]
    return table


def main():
    folder = sys.argv[1]
    chars = load(os.path.join(folder, "STCharacters.txt"))
    phrases = load(os.path.join(folder, "STPhrases.txt"))
    out = sys.stdout
    out.write("# Simplified phrases whose Traditional form differs from that of their characters one at\n"
              "# a time, from OpenCC's STPhrases.txt (Apache-2.0, https://github.com/BYVoid/OpenCC).\n"
              "# Made by scripts/s2t-phrases.py; the Traditional forms come from ferrous-opencc at build time.\n")
    for key in sorted(phrases):
        if "".join(chars.get(c, c) for c in key) != phrases[key] and len(key) == len(phrases[key]):
            out.write(key + "\n")


if __name__ == "__main__":
    main()
