"""python -m limelight.eval [--data DIR] [--only STAGE ...]"""

import argparse
import sys
from pathlib import Path

from limelight.eval.runner import run_eval

parser = argparse.ArgumentParser(prog="python -m limelight.eval")
parser.add_argument("--data", type=Path, default=None)
parser.add_argument("--only", action="append", default=[])
parser.add_argument("--format", default="table", choices=("table", "json", "csv"))
args = parser.parse_args()
sys.exit(run_eval(args.data, args.only, args.format))
