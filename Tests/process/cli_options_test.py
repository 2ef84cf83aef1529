#!/usr/bin/env python3
"""A bad `--claims-in-flight` (flag or variable) is refused at start, naming both and the
range, with a usage exit code, before the database is touched."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from cluster import BIN


def refused(command, value, via_env):
    with tempfile.TemporaryDirectory(prefix="conveyor-cli-") as work:
        database = os.path.join(work, "conveyor.sqlite")
        args = [BIN, command, "--database", database]
        env = dict(os.environ)
        if via_env:
            env["CONVEYOR_CLAIMS_IN_FLIGHT"] = value
        else:
            args += ["--claims-in-flight", value]
        out = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
        where = f"conveyor {command} with claims in flight {value!r} ({'variable' if via_env else 'flag'})"
        if out.returncode != 64:
            raise SystemExit(f"FAIL: {where} exited {out.returncode}, not 64:\n{out.stdout}\n{out.stderr}")
        if "--claims-in-flight and CONVEYOR_CLAIMS_IN_FLIGHT must be a whole number from 1 to 16" not in out.stderr:
            raise SystemExit(f"FAIL: {where} did not say what is wrong:\n{out.stderr}")
        if os.path.exists(database):
            raise SystemExit(f"FAIL: {where} created the database before refusing")


def main():
    for command in ("worker", "serve"):
        refused(command, "0", via_env=False)
        refused(command, "17", via_env=True)
        refused(command, "two", via_env=True)
    print("cli options test: PASS (bad --claims-in-flight refused by worker and serve, flag and variable)")


if __name__ == "__main__":
    main()
