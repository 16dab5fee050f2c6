#!/usr/bin/env python3
"""The import graph inside rmcp: which module uses which (`crate::`, `super::` and `use` paths in
library code; comments, doc lines and `#[cfg(test)] mod tests` left out).

Prints the edges between rmcp's top-level modules, any edge that points up the layers
(wire, fuzzing < crypto < session, sol < server, client; server and client never use each other), and
every import circle between files. Exit status 1 when there is an upward edge or a circle.

Usage: scripts/rmcp-imports.py [path/to/rmcp/src]
"""
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "rmcp", "src")
LAYER = {"wire": 0, "fuzzing": 0, "crypto": 1, "session": 2, "sol": 2, "server": 3, "client": 3}


def module_of(rel):
    """rmcp/src relative path -> module path list, e.g. server/mod.rs -> ['server']."""
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return parts


def files():
    for root, _, names in os.walk(SRC):
        for n in names:
            if n.endswith(".rs") and n != "tests.rs":
                p = os.path.join(root, n)
                yield os.path.relpath(p, SRC), p


def code(path):
    text = open(path).read()
    m = re.search(r"#\[cfg\(test\)\]\s*mod tests", text)
    if m:
        text = text[: m.start()]
    return "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("//"))


mods = {tuple(module_of(rel)): rel for rel, _ in files()}


def resolve(path):
    """The longest known module prefix of `path` (a list of names)."""
    for n in range(len(path), 0, -1):
        if tuple(path[:n]) in mods:
            return tuple(path[:n])
    return None


edges = set()
for rel, p in files():
    me = tuple(module_of(rel))
    text = code(p)
    # super:: is relative to the parent of a file module (or of mod.rs's directory module).
    is_dir_mod = rel.endswith("mod.rs") or rel == "lib.rs"
    parent = list(me[:-1])
    for m in re.finditer(r"\b(crate|super)((?:::\w+)+)", text):
        names = m.group(2).split("::")[1:]
        base = [] if m.group(1) == "crate" else parent
        target = resolve(base + names)
        if target and target != me and target[:1] != ():
            edges.add((me, target))
    # A module reaches what its submodules define (re-exports such as `crypto::Kuid`).
    if is_dir_mod:
        for m in re.finditer(r"^\s*(?:pub(?:\([^)]*\))? )?mod (\w+);", text, re.M):
            edges.add((me, me + (m.group(1),)))
    # Grouped imports: `use crate::{a::b, c}` / `use super::{x, y::z}`.
    for m in re.finditer(r"use (crate|super)::\{([^;]*)\};", text, re.S):
        base = [] if m.group(1) == "crate" else parent
        for item in re.split(r",", re.sub(r"\{[^}]*\}", "", m.group(2))):
            item = item.strip().split(" as ")[0]
            if not item or item == "self":
                continue
            target = resolve(base + item.split("::"))
            if target and target != me:
                edges.add((me, target))

top = sorted({(a[0], b[0]) for a, b in edges if a and b and a[:1] != b[:1]})
print("edges between rmcp's top-level modules (from -> to: files):")
bad = 0
for a, b in top:
    n = sum(1 for x, y in edges if x[:1] == (a,) and y[:1] == (b,))
    up = LAYER.get(a, 9) < LAYER.get(b, 9) or (LAYER.get(a) == LAYER.get(b) == 3)
    mark = "   <-- UPWARD" if up else ""
    bad += up
    print(f"  {a:8} -> {b:8} {n:3}{mark}")

# Circles between files (Tarjan's strongly connected components).
graph = {}
for a, b in edges:
    graph.setdefault(a, set()).add(b)
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def strong(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        sccs.append(comp)


sys.setrecursionlimit(10000)
for v in list(graph):
    if v not in index:
        strong(v)
# A module and its own submodules (server <-> server::state) are one unit, not a circle; only
# circles that cross a top-level module count.
circles = [c for c in sccs if len({m[:1] for m in c}) > 1]
print(f"upward edges: {bad}")
print(f"circles across top-level modules: {len(circles)}")
for c in circles:
    print("  " + " <-> ".join("::".join(m) for m in sorted(c)))
sys.exit(1 if bad or circles else 0)
