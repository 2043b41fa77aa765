"""Helpers shared by the benchmarks: corpora, timing whole processes, peak memory, tables."""

from __future__ import annotations

import compileall
import hashlib
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
SEARCHKIT = [sys.executable, "-m", "searchkit"]


def corpus(size: int, seed: int = 0) -> Path:
    """``bench/corpus-SIZE`` from make_corpus.py, generated once and reused."""
    folder = BENCH / (f"corpus-{size}" if seed == 0 else f"corpus-{size}-seed{seed}")
    if not (folder / ".complete").exists():
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "make_corpus.py"),
                str(size),
                "--out",
                str(folder),
                "--seed",
                str(seed),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (folder / ".complete").write_text("ok\n")
    return folder


def installed_bytecode() -> None:
    """Compile searchkit's modules, as ``pip install`` does: an installed package's cold process reads bytecode.

    A source checkout run with ``PYTHONDONTWRITEBYTECODE`` (as on the benchmark
    machine) would otherwise compile every module in every cold process.
    """
    compileall.compile_dir(str(ROOT / "searchkit"), quiet=1)


def corpus_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.txt"))


def corpus_megabytes(folder: Path) -> float:
    return sum(p.stat().st_size for p in corpus_files(folder)) / 1e6


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in KB, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(status.parent.name)
        children.setdefault(int(fields.get("PPid", "0").strip()), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


@dataclass
class Run:
    seconds: float
    stdout: str
    returncode: int
    #: (seconds since start, MB) samples of the whole process tree's resident memory.
    samples: list[tuple[float, float]]
    #: CPU time (user + system) of the process and its children: what the run cost, whatever the load.
    cpu_seconds: float = 0.0

    @property
    def peak_mb(self) -> float:
        return max((mb for _, mb in self.samples), default=0.0)


def run_measured(args: list[str], sample_every: float = 0.05) -> Run:
    """Run a command, timing it and sampling the memory of its whole process tree.

    Output goes to temporary files, not pipes: a command that prints more than a
    pipe holds (``rg -l`` over 20,000 files) would otherwise block until read.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, text=True, cwd=ROOT)
        samples = []
        while process.poll() is None:
            samples.append((time.perf_counter() - started, _tree_rss_kb(process.pid) / 1024))
            time.sleep(sample_every)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        sys.stderr.write(stderr)
    return Run(elapsed, stdout, process.returncode, samples, cpu)


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"


def replace_section(path: Path, name: str, content: str) -> None:
    """Replace the text between ``<!-- name -->`` and ``<!-- /name -->`` in a Markdown file."""
    text = path.read_text("utf-8") if path.exists() else ""
    begin, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    if begin not in text:
        text = text.rstrip() + f"\n\n{begin}\n{end}\n"
    before, _, rest = text.partition(begin)
    _, _, after = rest.partition(end)
    path.write_text(f"{before}{begin}\n{content.strip()}\n{end}{after}", "utf-8")


def publish(table: str, path: Path | None, name: str) -> None:
    """Print a benchmark's table and, when ``path`` is given, put it in that file's ``name`` section."""
    print(table)
    if path:
        replace_section(path, name, table)


def _write_path_modules() -> list[Path]:
    """The source files of what writes an index: the modules ``searchkit.indexer`` loads."""
    script = (
        "import sys, searchkit.indexer\n"
        "for name, module in sorted(sys.modules.items()):\n"
        "    if name.split('.')[0] == 'searchkit' and getattr(module, '__file__', None):\n"
        "        print(module.__file__)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return [Path(line) for line in out.splitlines()]


def code_stamp(package: Path = ROOT / "searchkit") -> str:
    """A short hash of the code that writes an index (and the package's data files).

    A cached index built by other indexing code is not reused; a change to the
    search side alone (engine, ranking, snippets) measures the same index again.
    """
    digest = hashlib.blake2b(digest_size=6)
    data = [p for p in package.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    for path in sorted(set(_write_path_modules()) | set(data)):
        digest.update(path.resolve().relative_to(package.resolve()).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cached(folder: Path, build: Callable[[Path], None]) -> Path:
    """``folder``, built by ``build(folder)`` once: reused by later runs, rebuilt if a build was cut short."""
    if (folder / ".complete").exists():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    build(partial)
    (partial / ".complete").write_text("ok\n")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def searchkit_index(sources: list[Path], name: str, base: Path | None = None) -> Path:
    """A searchkit index of ``sources`` under ``bench/results``, built by the current code once.

    The folder name carries :func:`code_stamp`, so a change to searchkit builds a
    new index rather than measuring the old one.  ``base``, a cached index of some
    of the sources, is copied and the rest added to it incrementally.
    """
    from searchkit import Index

    def build(folder: Path) -> None:
        if base is not None:
            shutil.copytree(base, folder)
            (folder / ".complete").unlink()
        Index(folder).add(sources, full=base is None, workers=os.cpu_count())

    return cached(RESULTS / "indexes" / f"searchkit-{name}-{code_stamp()}", build)
