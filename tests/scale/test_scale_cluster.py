"""`safespaces run --engine dask --scheduler ...` on a real cluster of separate processes.

The cluster is started the way docs/scale.md tells users to: ``dask scheduler`` and
``dask worker <address>`` as their own processes (on loopback here). The CLI runs in
a third process and connects to the scheduler by address; its outputs must equal
the local engine's. An unreachable scheduler is a clear error, not a traceback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from test_scale_dask import assert_same_outputs

pytestmark = pytest.mark.dask
TIMEOUT = 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safespaces", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


@pytest.fixture(scope="module")
def scheduler_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("cluster")
    dask = [sys.executable, "-m", "dask"]
    with ExitStack() as stack:
        scheduler_log = stack.enter_context((logs / "scheduler.log").open("w"))
        workers_log = stack.enter_context((logs / "workers.log").open("w"))
        procs: list[subprocess.Popen[bytes]] = []

        def stop() -> None:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

        stack.callback(stop)
        procs.append(
            subprocess.Popen(
                [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port)]
                + ["--no-dashboard"],
                stdout=scheduler_log,
                stderr=subprocess.STDOUT,
            )
        )
        procs.append(
            subprocess.Popen(
                [*dask, "worker", address, "--nworkers", "2", "--nthreads", "1"]
                + ["--no-dashboard", "--memory-limit", "4GB"],
                stdout=workers_log,
                stderr=subprocess.STDOUT,
            )
        )
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address


def test_cli_on_a_separate_cluster_equals_local(scheduler_address: str, tmp_path: Path) -> None:
    local = cli("run", "--out", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr[-2000:]
    dask = cli(
        "run", "--engine", "dask", "--scheduler", scheduler_address, "--out", str(tmp_path / "dask")
    )
    assert dask.returncode == 0, dask.stderr[-2000:]
    assert "Traceback" not in dask.stderr
    assert_same_outputs(
        tmp_path / "local" / "safespaces.gpkg", tmp_path / "dask" / "safespaces.gpkg"
    )


def test_cli_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    out = tmp_path / "out"
    result = cli("run", "--engine", "dask", "--scheduler", address, "--out", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"could not reach the dask scheduler at '{address}'" in result.stderr
    assert "dask scheduler" in result.stderr  # says how to start one
    assert not (out / "safespaces.gpkg").exists()
