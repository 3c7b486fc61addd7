"""The second corpus through the CLI (issue 15, Must show 1).

Every case of ``tests/data/real/*.toml`` runs ``python -m safespaces <command> ARGS --out
DIR`` in a sealed environment: its own HOME and TMPDIR, the corpus in a read-only folder, and
``DIR`` holding an earlier good output. Whatever the case:

- the exit status is the declared one (0 or 2), and nothing prints a traceback;
- nothing is written outside ``--out``: HOME, TMPDIR and the working folder stay empty, the
  input folder is unchanged, and ``DIR``'s parent holds nothing but ``DIR``;
- exit 2: one ``error:`` line with the declared fragment (naming the file when the case has
  one), and ``DIR`` byte-identical to before;
- exit 0: ``DIR`` is one whole output (every file its manifest lists, with that hash), with the
  declared columns and summary text.

The cases' processes run two at a time (:data:`WORKERS`, the cores of the CI machine): each
in its own sealed root with its own copy of the earlier output, so they share nothing but the
read-only corpus. Each case is still its own test with the same assertions.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyogrio
import pytest
from outcheck import (
    copy_output,
    is_whole_output,
    leftovers,
    read_only,
    run_cli,
    siblings,
    snapshot,
)
from realcorpus import REAL, Case, load_cases, manifests

CASES = load_cases()
#: Cases run at the same time (each is one single-threaded-for-the-most-part CLI process).
WORKERS = min(2, os.cpu_count() or 1)


def test_the_corpus_is_large_and_complete() -> None:
    assert len(CASES) >= 60, len(CASES)
    ids = Counter(c.id for c in CASES)
    assert not [i for i, n in ids.items() if n > 1], "duplicate ids"
    listed = {c.file for c in CASES if c.file}
    on_disk = {
        p.name
        for p in REAL.iterdir()
        if p.is_file() and p.suffix not in (".md", ".py") and p not in manifests()
    }
    assert listed <= on_disk, f"missing files: {sorted(listed - on_disk)}"
    assert sorted(on_disk - listed - _referenced()) == [], "files no case uses"
    assert {c.exit for c in CASES} == {0, 2}


def _referenced() -> set[str]:
    """Corpus files named through ``{real}/NAME`` in some case's arguments."""
    return {a.split("{real}/", 1)[1].split("/")[0] for c in CASES for a in c.args if "{real}/" in a}


@pytest.fixture(scope="module")
def corpus_ro(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A read-only copy of the corpus (the inputs of every case)."""
    folder = tmp_path_factory.mktemp("real-ro") / "real"
    shutil.copytree(REAL, folder)
    with read_only(folder):
        yield folder


@dataclasses.dataclass(frozen=True)
class Ran:
    """One case's CLI run: the process, its sealed root and ``--out`` (an earlier good output,
    whose snapshot before the run is ``before``)."""

    done: subprocess.CompletedProcess[str]
    root: Path
    out: Path
    before: dict[str, str]


def _run(case: Case, corpus: Path, earlier: Path, root: Path) -> Ran:
    (root / "parent").mkdir()
    out = copy_output(earlier, root / "parent" / "out")
    before = snapshot(out)
    done = run_cli([*case.argv(corpus), "--out", str(out)], root, command=case.command)
    return Ran(done, root, out, before)


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest,
    corpus_ro: Path,
    default_output: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, str], dict[str, Future[Ran]]]]:
    """The corpus's snapshot before any run, and the CLI run of every selected case, started
    in test order, :data:`WORKERS` at a time."""
    inputs_before = snapshot(corpus_ro)
    ids = {
        item.callspec.id
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is request.module
        and item.originalname == "test_case"
    }
    selected = [case for case in CASES if case.id in ids]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {
            case.id: pool.submit(
                _run, case, corpus_ro, default_output, tmp_path_factory.mktemp("case")
            )
            for case in selected
        }
        yield inputs_before, futures
        for future in futures.values():
            future.cancel()  # e.g. after -x: the ones not started yet


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(
    case: Case, corpus_ro: Path, runs: tuple[dict[str, str], dict[str, Future[Ran]]]
) -> None:
    inputs_before, futures = runs
    ran = futures[case.id].result()
    done, earlier_output, before = ran.done, ran.out, ran.before
    text = done.stdout + done.stderr
    assert "Traceback" not in text, text
    assert done.returncode == case.exit, f"{case.what}: {done.stderr[-2000:]}"
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    if case.exit == 2:
        assert len(errors) == 1, done.stderr
        assert case.stderr is not None and case.stderr in errors[0], errors[0]
        if case.file and any("{file}" in a for a in case.args):
            assert Path(case.file).name in errors[0] or Path(case.file).stem in errors[0], errors[0]
        assert snapshot(earlier_output) == before, "a failed run changed the earlier output"
    else:
        assert not errors, done.stderr
        assert is_whole_output(earlier_output)
        if case.stdout:
            assert case.stdout in done.stdout, done.stdout
        for layer, columns in case.columns.items():
            fields = set(
                pyogrio.read_info(earlier_output / "safespaces.gpkg", layer=layer)["fields"]
            )
            missing = [c for c in columns if c not in fields]
            assert not missing, f"layer {layer} lacks {missing}: {sorted(fields)}"
    assert siblings(earlier_output) == [], "left beside --out"
    assert leftovers(ran.root) == [], "written outside --out"
    assert snapshot(corpus_ro) == inputs_before
