#!/usr/bin/env python3
"""Writes data/s2t-phrases.txt: the Simplified phrases of OpenCC's STPhrases.txt whose Traditional
form has as many characters, each of which may be converted otherwise than its characters one at a
time (复议 is 複議, not 復議).

    python3 scripts/s2t-phrases.py DICTIONARIES_DIR > data/s2t-phrases.txt

DICTIONARIES_DIR holds OpenCC's STCharacters.txt and STPhrases.txt: the `assets/dictionaries`
folder of the ferrous-opencc crate that gongbao is built with (under ~/.cargo/registry/src/).
gongbao converts each listed phrase with that crate at build time and publishes those whose form
differs from the characters' one at a time in search/s2t.txt, so that the 繁體 search page shows
results as the 繁體 pages do. Which do is for the crate to say: a character with two Traditional
forms in STCharacters.txt (游: 遊 游) is not always converted to the first when alone, so a phrase
is not left out here for matching the first forms (巡游 is 巡遊, and 游 alone stays 游).
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


def load_several(path):
    """The characters with more than one Traditional form."""
    several = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            key, values = line.rstrip("\n").split("\t")
            if " " in values.strip():
                several.add(key)
    return several


def main():
    folder = sys.argv[1]
    chars = load(os.path.join(folder, "STCharacters.txt"))
    several = load_several(os.path.join(folder, "STCharacters.txt"))
    phrases = load(os.path.join(folder, "STPhrases.txt"))
    out = sys.stdout
    out.write("# Simplified phrases that may convert otherwise than their characters one at a time,\n"
              "# from OpenCC's STPhrases.txt (Apache-2.0, https://github.com/BYVoid/OpenCC).\n"
              "# Made by scripts/s2t-phrases.py; the Traditional forms come from ferrous-opencc at build time.\n")
    for key in sorted(phrases):
        alone = "".join(chars.get(c, c) for c in key)
        if len(key) == len(phrases[key]) and (alone != phrases[key] or any(c in several for c in key)):
            out.write(key + "\n")


if __name__ == "__main__":
    main()
