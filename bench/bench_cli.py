"""Benchmark: the command line as users meet it, each command in a fresh process.

* ``proeftuin --help``, against the floor of a bare Python start (``python -c pass``) and the
  naive way, a process that imports every library the commands use at start (pandas, SciPy,
  SQLAlchemy, matplotlib);
* ``proeftuin estimate`` on a 2,400-row CSV (4 arms, 9 outcomes, 2 covariates), against the floor
  of a Python process that reads the same file with pandas and makes one least-squares fit;
* with ``--demo``: ``proeftuin demo`` into a temporary folder, a fresh database each run (a
  minute or more: not in the default run), written as a record of its own (bench ``demo``)
  before the ``cli`` record; with ``--demo-baseline SRC`` the demo of another source tree (e.g.
  ``/work/main/src``, the code before a change) is run interleaved with it, run for run, as its
  baseline under the same load.

Wall and CPU (user + system of the child) seconds, best and median of ``--repeats`` runs. The
machine's load is printed before and after; the last line is a JSON record (``--json FILE``
appends it to FILE, for ``bench/table.py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from floor import command_times, load, write_record

ROWS = 2_400
ARMS = np.array(["control", "exemption", "intensive", "disregard"])
OUTCOMES = [f"y{j}" for j in range(9)]
PROEFTUIN = [sys.executable, "-c", "import sys; from proeftuin.cli import main; sys.argv[0] = 'proeftuin'; main()"]
EAGER = "import pandas, scipy.stats, sqlalchemy, matplotlib.pyplot, proeftuin.cli"
FLOOR_ESTIMATE = ("import sys, numpy, pandas; d = pandas.read_csv(sys.argv[1]); "
                  "x = numpy.column_stack([numpy.ones(len(d)), pandas.get_dummies(d['arm'], drop_first=True), d[['x0', 'x1']]]); "
                  "numpy.linalg.lstsq(x.astype(float), d[{outcomes}].to_numpy(), rcond=None)")


def write_trial(path: Path) -> None:
    rng = np.random.default_rng(2400)
    frame = pd.DataFrame({"arm": ARMS[rng.integers(0, 4, ROWS)], "x0": rng.normal(size=ROWS), "x1": rng.normal(size=ROWS)})
    for name in OUTCOMES:
        frame[name] = (rng.random(ROWS) < 0.3).astype(float)
    frame.to_csv(path, index=False)


def with_bytecode_caches() -> dict[str, str]:
    """This process's environment without ``PYTHONDONTWRITEBYTECODE``: commands run as a user's do, whose
    Python writes its bytecode caches on the first run and reads them after (see :func:`demo_times`)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def demo_times(folder: Path, repeats: int, baseline: Path | None) -> dict[str, dict[str, float]]:
    """``proeftuin demo`` (and the demo of the ``baseline`` source tree, run for run after it), each
    run into a fresh database and folder: wall and CPU seconds, best and median.

    As ``make demo`` runs it: with Python's bytecode caches, which the Makefile writes whatever the
    environment's ``PYTHONDONTWRITEBYTECODE`` says (without them every run compiles the package's
    own modules again, about 1 s of the demo's CPU); one untimed run of each tree first writes them."""
    trees = {"demo": None, **({"demo_baseline": baseline} if baseline else {})}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    plain = with_bytecode_caches()
    envs = {name: plain if tree is None else {**plain, "PYTHONPATH": str(tree.resolve())} for name, tree in trees.items()}
    for i in range(-1, repeats):
        for name in trees:
            out = folder / f"{name}-{i}"
            times = command_times([*PROEFTUIN, "demo", "--out", str(out), "--db", f"sqlite:///{out}.db"], 1, env=envs[name])
            if i >= 0:  # (-1: the run that writes the bytecode caches)
                runs[name].append(times)
    return {name: {"wall_s": min(r["wall_s"] for r in times), "wall_median_s": statistics.median(r["wall_s"] for r in times),
                   "cpu_s": min(r["cpu_s"] for r in times), "cpu_median_s": statistics.median(r["cpu_s"] for r in times)}
            for name, times in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="append the JSON record to this file")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each command (best and median)")
    parser.add_argument("--demo", action="store_true", help="also time `proeftuin demo` (a minute or more per run)")
    parser.add_argument("--demo-repeats", type=int, default=1, help="runs of the demo (best and median)")
    parser.add_argument("--demo-baseline", type=Path, help="source tree whose demo runs interleaved with this one (its PYTHONPATH)")
    args = parser.parse_args()
    record: dict = {"bench": "cli", "cores": os.cpu_count(), "load_before": load(), "estimate_rows": ROWS}
    print(f"load (1 min) {record['load_before']:.2f} on {os.cpu_count()} cores")
    folder = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    trial = folder / "trial.csv"
    write_trial(trial)
    estimate = [*PROEFTUIN, "estimate", str(trial), *(a for o in OUTCOMES for a in ("--outcome", o)), "--arm", "arm",
                "--control", "control", "--covariates", "x0,x1"]
    cases = {
        "python": [sys.executable, "-c", "pass"],
        "help": [*PROEFTUIN, "--help"],
        "eager_imports": [sys.executable, "-c", EAGER],
        "estimate_floor": [sys.executable, "-c", FLOOR_ESTIMATE.format(outcomes=OUTCOMES), str(trial)],
        "estimate": estimate,
    }
    plain = with_bytecode_caches()
    for name, command in cases.items():
        command_times(command, 1, env=plain)  # untimed: writes the bytecode caches a user's first run writes
        times = command_times(command, args.repeats, env=plain)
        record.update({f"{name}_{key}": value for key, value in times.items()})
        print(f"  {name:<16} wall {times['wall_s']:6.2f} s (median {times['wall_median_s']:6.2f} s), "
              f"CPU {times['cpu_s']:6.2f} s (median {times['cpu_median_s']:6.2f} s)")
    print(f"  --help: {record['help_wall_s'] / record['python_wall_s']:.1f}x a bare Python start; "
          f"estimate: {record['estimate_wall_s'] / record['estimate_floor_wall_s']:.1f}x the floor")
    if args.demo:
        demo = demo_times(folder, args.demo_repeats, args.demo_baseline)
        for name, times in demo.items():
            print(f"  {name:<16} wall {times['wall_s']:6.1f} s (median {times['wall_median_s']:6.1f} s), "
                  f"CPU {times['cpu_s']:6.1f} s (median {times['cpu_median_s']:6.1f} s)")
        write_record({"bench": "demo", "cores": record["cores"], "load_before": record["load_before"], "load_after": load(), "demo_repeats": args.demo_repeats,
                      **{f"{name}_{key}": value for name, times in demo.items() for key, value in times.items()},
                      **({"demo_baseline_source": str(args.demo_baseline)} if args.demo_baseline else {})}, args.json)
    record["load_after"] = load()
    print(f"load (1 min) {record['load_after']:.2f} after")
    write_record(record, args.json)


if __name__ == "__main__":
    main()
