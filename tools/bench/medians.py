#!/usr/bin/env python3
"""Prints criterion's median estimate for every benchmark of the given groups (all if none).

Usage: python3 tools/bench/medians.py [group ...]   (run from the workspace root)
"""
import json
import os
import sys

ROOT = os.path.join("target", "criterion")
wanted = set(sys.argv[1:])
for group in sorted(os.listdir(ROOT)):
    gdir = os.path.join(ROOT, group)
    if group == "report" or not os.path.isdir(gdir) or (wanted and group not in wanted):
        continue
    for name in sorted(os.listdir(gdir)):
        est = os.path.join(gdir, name, "new", "estimates.json")
        if os.path.exists(est):
            ns = json.load(open(est))["median"]["point_estimate"]
            shown = f"{ns:.1f} ns" if ns < 10_000 else f"{ns / 1000:.2f} us"
            print(f"{group}/{name}: {shown}")
