/**
 * The Python side of run-gpu-tests, written into a directory of its own before pytest starts (and
 * mounted read-only into the container). It is a launcher and a pytest plugin in one file; see its
 * docstring. Kept as a string so the bundle stays one self-contained dist/.
 */
export const HELPER_FILE = 'dynamo_ci_pytest.py';

export const HELPER_SOURCE = String.raw`# SPDX-License-Identifier: Apache-2.0
"""run-gpu-tests' helper for pytest: a launcher and a plugin in one file.

As a script (python dynamo_ci_pytest.py <pytest args>) it behaves like python -m pytest, but
loads this file as a plugin in the controller and in every xdist worker (through PYTHONPATH,
prepended to the image's own), and turns SIGTERM into KeyboardInterrupt, so a run stopped by
the action's deadline still writes its JUnit report for the tests that finished.

As a script with --dynamo-ci-chown=UID:GID DIR... (and no pytest arguments) it gives every file
and folder under those directories to UID:GID, not following links: run as root in the image after
the tests, it hands what they wrote back to the runner's user.

As a plugin it adds three options:
  --dynamo-ci-live=PATH       append one JSON line per test start and finish (controller only),
                              so the action knows which tests were running when a run was killed;
  --dynamo-ci-select=PATH     keep only the node ids listed in PATH (shards and reruns);
  --dynamo-ci-collected=PATH  write the selected node ids and markers after collection.
The live log also records where pytest ran (working directory, rootdir, configuration file) and
every collection error, so the action can say why nothing was collected.
"""
import json
import os
import re
import signal
import sys
import time

import pytest

_LOGICAL = {"and", "or", "not", "True", "False"}


def pytest_addoption(parser):
    group = parser.getgroup("dynamo-ci")
    group.addoption("--dynamo-ci-live", default=None)
    group.addoption("--dynamo-ci-select", default=None)
    group.addoption("--dynamo-ci-collected", default=None)


def _is_worker(config):
    return hasattr(config, "workerinput")


class _LiveLog:
    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8", buffering=1)
        self._outcomes = {}

    def write(self, record):
        record["t"] = round(time.time(), 3)
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def _state(self, nodeid):
        return self._outcomes.setdefault(nodeid, {"outcome": "passed", "duration": 0.0, "message": None})

    def pytest_sessionstart(self, session):
        config = session.config
        inipath = getattr(config, "inipath", None)
        self.write(
            {
                "event": "session",
                "cwd": os.getcwd(),
                "rootdir": str(config.rootpath),
                "inifile": str(inipath) if inipath else None,
            }
        )

    def pytest_collectreport(self, report):
        if report.failed:
            self.write({"event": "collect-error", "nodeid": report.nodeid, "message": _message(report)})

    def pytest_runtest_logstart(self, nodeid, location):
        self._outcomes[nodeid] = {"outcome": "passed", "duration": 0.0, "message": None}
        self.write({"event": "start", "nodeid": nodeid, "file": location[0], "line": location[1]})

    def pytest_runtest_logreport(self, report):
        state = self._state(report.nodeid)
        state["duration"] += getattr(report, "duration", 0.0) or 0.0
        if report.failed:
            outcome = "failed" if report.when == "call" else "error"
            if state["outcome"] not in ("failed", "error"):
                state["outcome"] = outcome
                state["message"] = _message(report)
        elif report.skipped and state["outcome"] == "passed":
            state["outcome"] = "skipped"
            state["message"] = _message(report)
        # xdist reports a crashed worker's test with when="???" and sends no logfinish.
        if report.when == "???":
            state["outcome"] = "error"
            self._finish(report.nodeid)

    def pytest_runtest_logfinish(self, nodeid, location):
        self._finish(nodeid)

    def _finish(self, nodeid):
        state = self._outcomes.pop(nodeid, None)
        if state is None:
            return
        record = {
            "event": "finish",
            "nodeid": nodeid,
            "outcome": state["outcome"],
            "duration": round(state["duration"], 4),
        }
        if state["message"]:
            record["message"] = state["message"]
        self.write(record)

    def pytest_sessionfinish(self, session, exitstatus):
        self.write({"event": "sessionfinish", "exitstatus": int(exitstatus)})


def _message(report):
    text = getattr(report, "longreprtext", "") or ""
    if report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        text = str(report.longrepr[2])
    lines = [line for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E ")]
    picked = errors[-1][1:].strip() if errors else (lines[-1] if lines else "")
    return picked[:500]


def pytest_configure(config):
    live = config.getoption("dynamo_ci_live", None)
    if live and not _is_worker(config):
        log = _LiveLog(live)
        config.pluginmanager.register(log, "dynamo-ci-live")
        unknown = _unknown_markers(config)
        if unknown:
            log.write({"event": "unknown-markers", "markers": unknown})


def _unknown_markers(config):
    """Names in -m that no marker declares: a typo there silently selects nothing."""
    expression = getattr(config.option, "markexpr", "") or ""
    registered = set()
    for line in config.getini("markers"):
        registered.add(re.split(r"[:(]", line, 1)[0].strip())
    names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"\([^()]*=[^()]*\)", "", expression))
    return sorted({name for name in names if name not in _LOGICAL and name not in registered})


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    select = config.getoption("dynamo_ci_select", None)
    if select:
        with open(select, encoding="utf-8") as handle:
            wanted = {line.rstrip("\n") for line in handle if line.strip()}
        keep, drop = [], []
        for item in items:
            (keep if item.nodeid in wanted else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
    collected = config.getoption("dynamo_ci_collected", None)
    if collected and not _is_worker(config):
        with open(collected, "w", encoding="utf-8") as handle:
            for item in items:
                markers = sorted({mark.name for mark in item.iter_markers()})
                handle.write(json.dumps({"nodeid": item.nodeid, "markers": markers}) + "\n")


def _interrupt(signum, frame):
    raise KeyboardInterrupt("stopped by run-gpu-tests (SIGTERM: whole-run deadline or cancellation)")


def _chown(owner, directories):
    uid, gid = (int(part) for part in owner.split(":"))
    for top in directories:
        for folder, subfolders, files in os.walk(top):
            for name in [folder] + [os.path.join(folder, entry) for entry in subfolders + files]:
                stats = os.lstat(name)
                if (stats.st_uid, stats.st_gid) != (uid, gid):
                    os.lchown(name, uid, gid)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("--dynamo-ci-chown="):
        _chown(sys.argv[1].split("=", 1)[1], sys.argv[2:])
        sys.exit(0)
    here = os.path.dirname(os.path.abspath(__file__))
    # Import paths as python -m pytest sets them: the working directory first.
    sys.path[0] = os.getcwd()
    sys.path.insert(1, here)
    inherited = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = here + (os.pathsep + inherited if inherited else "")
    signal.signal(signal.SIGTERM, _interrupt)
    sys.exit(int(pytest.main(["-p", "dynamo_ci_pytest", *sys.argv[1:]])))
`;
