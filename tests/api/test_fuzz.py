"""A small bounded run of scripts/fuzz.sh: schemathesis over every operation of a live server,
in its three passes: every operation with reads anonymous and writes keyed, then every write
without credentials, then every write with a key lacking the write scope.

`make fuzz` runs the same script with a larger bound (25 examples per operation).
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

REPO = Path(__file__).resolve().parents[2]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
WRITE_METHODS = {"put", "post", "delete", "patch"}
# The script stops schemathesis after FUZZ_TIME_LIMIT (all passes together); this covers
# set-up and teardown too.
TIME_LIMIT_SECONDS = 300
TIMEOUT_SECONDS = TIME_LIMIT_SECONDS + 120
# One pass's figures in the script's summary.
PASS_FIGURES = re.compile(
    r"pass (?P<name>\w+) \((?P<what>[^)]*)\):\n"
    r"\s+operations: (?P<operations>\d+) tested, test cases: (?P<cases>\d+) generated, "
    r"failures: (?P<failures>\d+) unique, errors: (?P<errors>\d+)"
)


def documented_operations(methods=HTTP_METHODS):
    """How many operations the OpenAPI schema documents (with one of ``methods``)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sum(len(methods & set(item)) for item in schema["paths"].values())


def run_in_own_process_group(command, *, env):
    """Run ``command`` in a session of its own; past the timeout, stop it and all it started.

    SIGTERM first, so that the script's trap stops the server it started; then SIGKILL for
    whatever is left (the server shares the script's process group).
    """
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        pytest.fail(f"scripts/fuzz.sh ran over {TIMEOUT_SECONDS}s:\n{output[-20000:]}")
    return process.returncode, output


@pytest.mark.server
def test_fuzz_every_operation_finds_no_failure():
    env = os.environ | {
        "FUZZ_MAX_EXAMPLES": "3",
        # The coverage phase walks every enumerated value and boundary of every parameter: four
        # minutes on its own. make fuzz runs it; here the examples and the random cases do.
        "FUZZ_PHASES": "examples,fuzzing",
        # The same cases each run, so that `make test` passes or fails for the code alone; a
        # new seed explores more (FUZZ_SEED=... make fuzz, or make fuzz's random one).
        "FUZZ_SEED": os.environ.get("FUZZ_SEED", "20261129"),
        "FUZZ_TIME_LIMIT": str(TIME_LIMIT_SECONDS),
        # Its own database, so that a `make fuzz` running meanwhile is not disturbed.
        "FUZZ_DB_NAME": "exile_fuzz_pytest",
        "VENV_BIN": str(Path(sys.executable).parent),
    }
    returncode, output = run_in_own_process_group(["scripts/fuzz.sh"], env=env)

    assert returncode == 0, f"scripts/fuzz.sh failed:\n{output[-20000:]}"
    passes = {m["name"]: m for m in PASS_FIGURES.finditer(output)}
    assert {name: int(m["operations"]) for name, m in passes.items()} == {
        "keyed": documented_operations(),
        "anonymous": documented_operations(WRITE_METHODS),
        "unscoped": documented_operations(WRITE_METHODS),
    }, output[-5000:]
    assert all(int(m["cases"]) > 0 for m in passes.values())
    assert {(m["failures"], m["errors"]) for m in passes.values()} == {("0", "0")}
