"""``safespaces warmup`` compiles every kernel signature the stages use.

The warm-up runs in one process with an empty numba cache of the test's own
(``NUMBA_CACHE_DIR``); a small study then runs the eyes and social-mix stages
in another process on that cache, and every compiled function of
``safespaces.shortest_paths`` must have been loaded from the cache there, none
compiled: a new signature in a stage that the warm-up misses fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numba
import pytest

from safespaces.cli import main
from safespaces.shortest_paths import _kernel

REPO = Path(__file__).resolve().parents[1]

#: Runs the eyes and social-mix stages on the toy town with synthetic tenure, then prints
#: each numba dispatcher of the module with its cache hits and misses (compilations).
STUDY = """
import json, sys
import numba
import safespaces
from safespaces import shortest_paths
from safespaces.config import load_config
from safespaces.synthetic import synthetic_tenure

toy = sys.argv[1]
tenure = synthetic_tenure(safespaces.load(osm=toy).osm, load_config())
safespaces.analyse(safespaces.load(osm=toy, tenure=tenure), ["eyes", "mix"])
stats = {
    name: {
        "hits": sum(obj.stats.cache_hits.values()),
        "misses": [str(sig) for sig in obj.stats.cache_misses],
    }
    for name, obj in vars(shortest_paths).items()
    if isinstance(obj, numba.core.registry.CPUDispatcher)
}
print(json.dumps(stats))
"""


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(PYTHONPATH=str(REPO), NUMBA_CACHE_DIR=str(cache))
    return env


def _python(args: list[str], cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """This interpreter in ``cwd`` with its own numba cache folder ``cache``."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(cache),
        timeout=600,
        check=False,
    )


def test_warmup_covers_every_signature_the_stages_compile(tmp_path: Path) -> None:
    cache = tmp_path / "numba-cache"
    warm = _python(["-m", "safespaces", "warmup"], tmp_path, cache)
    assert warm.returncode == 0, warm.stderr
    assert (warm.stdout, warm.stderr) == ("", "")  # silent on success
    assert sorted(p.name.split("-")[0] for p in cache.rglob("*.nbi")) == [
        "shortest_paths._gravity_block",
        "shortest_paths._pairs_block",
        "shortest_paths._search",
        "shortest_paths._workspace",
    ]
    done = _python(["-c", STUDY, str(REPO / "tests" / "data" / "toytown.osm")], tmp_path, cache)
    assert done.returncode == 0, done.stderr[-3000:]
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    # the stages called both entry points, and loaded them from the warm-up's cache
    assert stats["_gravity_block"]["hits"] >= 1 and stats["_pairs_block"]["hits"] >= 1, stats
    assert {name: s["misses"] for name, s in stats.items()} == {name: [] for name in stats}


def test_warmup_verbose_names_each_kernel_and_its_cache(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["warmup", "--verbose"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["radius_sums", "pairs_within"]
    for line in lines:
        how, where = line.split(": ", 1)[1].split(", ", 1)
        assert how in ("compiled", "loaded")
        assert Path(where.removeprefix("cached in ")).is_dir(), line


def test_kernels_compile_without_a_cache_folder() -> None:
    """With no folder numba can write (read-only install and home), numba's own decorator
    raises at import; the module's falls back to compiling in each process."""
    namespace: dict[str, Any] = {}
    exec(compile("def double(x):\n    return 2 * x\n", "<no file>", "exec"), namespace)
    with pytest.raises(RuntimeError, match="no locator available"):
        numba.njit(cache=True)(namespace["double"])
    kernel = _kernel()(namespace["double"])
    assert kernel(21) == 42
    assert kernel.stats.cache_path is None
