"""python -m limelight.eval [--data DIR] [--only STAGE ...] [--pin] [--no-cache]"""

import argparse
import sys
from pathlib import Path

from limelight.eval.runner import run_eval

parser = argparse.ArgumentParser(prog="python -m limelight.eval")
parser.add_argument("--data", type=Path, default=None)
parser.add_argument("--only", action="append", default=[])
parser.add_argument("--format", default="table", choices=("table", "json", "csv"))
parser.add_argument("--pin", action="store_true", help="rewrite floors.json from this run's interval lower bounds")
parser.add_argument("--no-cache", action="store_true", help="embed everything afresh; read and write no cache")
args = parser.parse_args()
sys.exit(run_eval(args.data, args.only, args.format, pin=args.pin, use_cache=not args.no_cache))
