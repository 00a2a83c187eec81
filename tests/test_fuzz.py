"""A small bounded run of scripts/fuzz.sh: schemathesis over every operation of a live server.

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

REPO = Path(__file__).resolve().parents[1]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# The script stops schemathesis after FUZZ_TIME_LIMIT; this covers set-up and teardown too.
TIMEOUT_SECONDS = 240


def documented_operations():
    """How many operations the OpenAPI schema documents."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sum(len(HTTP_METHODS & set(item)) for item in schema["paths"].values())


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


def test_fuzz_every_operation_finds_no_failure():
    env = os.environ | {
        "FUZZ_MAX_EXAMPLES": "3",
        "FUZZ_TIME_LIMIT": "180",
        # Its own database, so that a `make fuzz` running meanwhile is not disturbed.
        "FUZZ_DB_NAME": "exile_fuzz_pytest",
        "VENV_BIN": str(Path(sys.executable).parent),
    }
    returncode, output = run_in_own_process_group(["scripts/fuzz.sh"], env=env)

    assert returncode == 0, f"scripts/fuzz.sh failed:\n{output[-20000:]}"
    tested = re.search(r"operations: (\d+) tested", output)
    assert tested, output[-5000:]
    assert int(tested.group(1)) == documented_operations()
