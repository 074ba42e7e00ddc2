"""Fail unless line coverage and branch coverage each reach setup.cfg's ``fail_under``."""

import configparser
import json
import sys

config = configparser.ConfigParser()
config.read("setup.cfg")
threshold = float(config["coverage:report"]["fail_under"])
with open(sys.argv[1]) as report:
    totals = json.load(report)["totals"]
lines = 100.0 * totals["covered_lines"] / max(totals["num_statements"], 1)
branches = 100.0 * totals["covered_branches"] / max(totals["num_branches"], 1)
print(f"coverage gate: lines {lines:.1f}%, branches {branches:.1f}% (each must be >= {threshold:.0f}%)")
if lines < threshold or branches < threshold:
    sys.exit(1)
