#!/usr/bin/env python3
"""Fails when a file of vgs/ includes a header of a layer above its own.

The order of the layers is read from docs/architecture.md, the code block under "## Layers" (one
layer a line: `vgs_core ...`, `vgs_io ...`, ..., `cli/ ...`; indented lines continue the one
above), so the document stays the truth: a file in vgs/<folder>/ may include vgs/<other>/ headers
only of its own layer or of layers listed before it. cli/ programs may include anything.

Usage: scripts/check_layers.py [--root DIR]   (DIR: the source tree, default this script's ../)
Exit status: 0 when every include goes the right way, 1 when one does not, 2 when the layers
cannot be read or a folder of vgs/ is not among them.
"""
import argparse
import pathlib
import re
import sys

# An include of a vgs header: group 1 is the header as spelled ("vgs/io/audio.h" or <...>), group 2 its folder.
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"]vgs/([A-Za-z0-9_]+)/[^">]*[">])')
SOURCE_SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".cxx", ".in"}
# Folders whose files may include every layer (the programs on top of them all).
INCLUDE_ANYTHING = {"cli"}


class LayerError(Exception):
    pass


def read_layers(doc):
    """The layers' folders from the Layers code block of `doc`, lowest first."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "## Layers")
        opening = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("```"))
        closing = next(i for i in range(opening + 1, len(lines)) if lines[i].startswith("```"))
    except StopIteration:
        raise LayerError(f"{doc}: no code block under '## Layers'") from None
    folders = []
    for line in lines[opening + 1:closing]:
        if not line.strip() or line[0].isspace():  # blank, or a description continued
            continue
        name = line.split()[0]
        match = re.fullmatch(r"vgs_([A-Za-z0-9_]+)|([A-Za-z0-9_]+)/", name)
        if not match:
            raise LayerError(f"{doc}: cannot read a layer from '{line.strip()}' (expected vgs_<name> or <folder>/)")
        folder = match.group(1) or match.group(2)
        if folder in folders:
            raise LayerError(f"{doc}: layer '{folder}' is listed twice")
        folders.append(folder)
    if not folders:
        raise LayerError(f"{doc}: the code block under '## Layers' lists no layers")
    return folders


def layer_name(folder):
    return folder + "/" if folder in INCLUDE_ANYTHING else "vgs_" + folder


def wrong_way_includes(root, folders):
    """Yields one message per include of a higher layer; raises LayerError for unknown folders."""
    rank = {folder: i for i, folder in enumerate(folders)}
    vgs = root / "vgs"
    for path in sorted(p for p in vgs.rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES):
        relative = path.relative_to(root)
        if len(relative.parts) < 3:  # a file at the top of vgs/ (the precompiled header)
            continue
        folder = relative.parts[1]
        if folder not in rank:
            raise LayerError(f"{relative}: folder vgs/{folder}/ is not a layer of docs/architecture.md")
        if folder in INCLUDE_ANYTHING:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            header, included = match.group(1), match.group(2)
            if included not in rank:
                raise LayerError(f"{relative}:{number}: includes vgs/{included}/, which is not a layer of "
                                 "docs/architecture.md")
            if rank[included] > rank[folder]:
                yield (f"{relative}:{number}: {layer_name(folder)} includes {header} of {layer_name(included)}, "
                       "a layer above it")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent.parent,
                        help="the source tree (holding docs/architecture.md and vgs/)")
    args = parser.parse_args()
    doc = args.root / "docs" / "architecture.md"
    try:
        folders = read_layers(doc)
        problems = list(wrong_way_includes(args.root, folders))
    except (LayerError, OSError) as error:
        print(f"check_layers: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} include(s) against the layer order of docs/architecture.md: "
              + " < ".join(layer_name(f) for f in folders), file=sys.stderr)
        return 1
    print(f"check_layers: every include of vgs/ follows the layer order ({len(folders)} layers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
