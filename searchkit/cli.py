"""The ``searchkit`` command: a thin click layer over the library.

Each command validates its options, calls one library function and formats
the result for a terminal (styled), a pipe (plain) or ``--json``.  Every
error a user can cause ends as one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from searchkit import __version__
from searchkit.errors import QueryError, SearchkitError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_INDEX = "index"
INDEX_ENV = "SEARCHKIT_INDEX"
DEBUG_ENV = "SEARCHKIT_DEBUG"
INTERNAL_ERROR = "internal error: {error} (set SEARCHKIT_DEBUG=1 to see the traceback and please report it)"
NOT_UTF8_ARGUMENT = "the query is not valid UTF-8 text"


class OneLineErrors(click.Group):
    """A group whose every failure prints one ``Error: …`` line, never a usage block or traceback."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as error:
            message = error.format_message()
            if isinstance(error, click.NoSuchOption) and not error.option_name.startswith("--"):
                message += ' (a query that starts with "-" goes after --, e.g. searchkit search -- "-word other")'
            click.echo(f"Error: {message}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(130)
        except SearchkitError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_code)
        except Exception as error:  # the promise: no traceback reaches the user
            if os.environ.get(DEBUG_ENV):
                raise
            click.echo("Error: " + INTERNAL_ERROR.format(error=f"{type(error).__name__}: {error}"), err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def index_option(command: F) -> F:
    """``--index DIR``, shared by every command that reads or writes the index."""
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_INDEX,
        envvar=INDEX_ENV,
        show_default=True,
        help=f"Index folder (or set {INDEX_ENV}).",
    )(command)


def json_option(command: F) -> F:
    """``--json``: machine-readable output, one JSON object."""
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")(command)


def print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def errors_as_exit_codes(command: F) -> F:
    """Turn library errors into click errors with the right exit code (1 runtime, 2 usage)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SearchkitError as error:
            exception = click.ClickException(str(error))
            exception.exit_code = error.exit_code
            raise exception from None

    return wrapper  # type: ignore[return-value]


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="searchkit")
def cli() -> None:
    """Full-text search for Vietnamese news articles.

    \b
    Example:
      searchkit index seeds/
      searchkit search "bo cong an"
    """


def _check_text_argument(text: str) -> str:
    """Arguments with undecodable bytes arrive as surrogates: refuse them in one line."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(NOT_UTF8_ARGUMENT) from None
    return text


# ---------------------------------------------------------------- index


@cli.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@index_option
@click.option("--full", is_flag=True, help="Rebuild the index from scratch instead of updating it.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per core).")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another index run to finish.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--watch", is_flag=True, help="Keep indexing as files appear or change, until Ctrl-C.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    help="With --watch: seconds between scans.",
)
@errors_as_exit_codes
def index_command(
    paths: tuple[str, ...],
    index_dir: Path,
    full: bool,
    workers: int | None,
    wait: float,
    quiet: bool,
    watch: bool,
    interval: float,
) -> int:
    """Index the articles in PATHS (files or folders, searched recursively).

    Incremental: new articles are added, changed ones updated, unchanged ones
    skipped and articles whose files are gone removed.  A file that cannot be
    read or decoded is skipped with one line on stderr; the rest is indexed
    and the run exits with code 1, so scripts notice.

    \b
    Example:
      searchkit index seeds/ ~/news --index ~/news-index
    """
    from searchkit.console import run_index, watch_paths

    if watch:
        watch_paths(list(paths), index_dir, workers=workers, wait=wait, quiet=quiet, interval=interval)
        return 0
    summary = run_index(list(paths), index_dir, full=full, workers=workers, wait=wait, quiet=quiet)
    return 1 if summary.skipped else 0


# ---------------------------------------------------------------- search


@cli.command("search")
@click.argument("query")
@index_option
@click.option("--limit", "-n", type=click.IntRange(min=1), default=10, show_default=True, help="Hits per page.")
@click.option("--page", "-p", type=click.IntRange(min=1), default=1, show_default=True, help="Page of results to show.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date"]),
    default="relevance",
    show_default=True,
    help="Rank by relevance, or newest first.",
)
@json_option
@errors_as_exit_codes
def search_command(query: str, index_dir: Path, limit: int, page: int, sort: str, as_json: bool) -> None:
    """Search the index: words, "phrases", AND/OR/NOT, -word, field:value, dates.

    Diacritics are optional: `bo cong an` finds `Bộ Công an`. When no article
    has every word, the articles with the most of them are shown, and words
    the index has never seen get a "Did you mean".

    \b
    Example:
      searchkit search "bo cong an"
      searchkit search '"an ninh quốc gia" date:2020'
      searchkit search 'title:hội nghị AND date:[2020-01 to 2020-06]'
      searchkit search 'author:"nguyen ngoc"' --json
      searchkit search -- '-"công an" quốc phòng'
    """
    from searchkit.api import Index
    from searchkit.render import results_json, results_text

    with Index(index_dir) as index:
        results = index.search(_check_text_argument(query), limit=limit, page=page, sort=sort)
    if as_json:
        print_json(results_json(results))
    else:
        click.echo(results_text(results))


# ---------------------------------------------------------------- show


@cli.command("show")
@click.argument("article_id")
@index_option
@json_option
@errors_as_exit_codes
def show_command(article_id: str, index_dir: Path, as_json: bool) -> None:
    """Print the stored article ARTICLE_ID (the id `search` shows).

    \b
    Example:
      searchkit show 004_a55b611e2d2fcdac.txt
    """
    from searchkit.api import Index
    from searchkit.render import article_json, article_text

    with Index(index_dir) as index:
        stored = index.get(_check_text_argument(article_id))
    if as_json:
        print_json(article_json(stored))
    else:
        click.echo(article_text(stored))


# ---------------------------------------------------------------- stats


@cli.command("stats")
@index_option
@json_option
@errors_as_exit_codes
def stats_command(index_dir: Path, as_json: bool) -> None:
    """Number of articles, date range, size on disk and top authors.

    \b
    Example:
      searchkit stats --index ~/news-index
    """
    from searchkit.api import Index
    from searchkit.render import stats_json, stats_text

    result = Index(index_dir).stats()
    if as_json:
        print_json(stats_json(result))
    else:
        click.echo(stats_text(result))


# ---------------------------------------------------------------- report


@cli.command("report")
@click.argument("queries", nargs=-1)
@index_option
@click.option(
    "--output",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the site into: absent, empty or an earlier report, replaced atomically.",
)
@click.option("--force", is_flag=True, help="Replace the output folder even if it holds files searchkit did not write.")
@click.option("--all", "archive", is_flag=True, help="Also write the browsable archive of the whole index.")
@click.option(
    "--per-page",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Articles per archive page (with --all).",
)
@click.option("--limit", "-n", type=click.IntRange(min=1), default=50, show_default=True, help="Hits per query.")
@click.option(
    "--templates",
    "template_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A folder of your own templates, searched before the packaged ones.",
)
@errors_as_exit_codes
def report_command(
    queries: tuple[str, ...],
    index_dir: Path,
    out_dir: Path,
    force: bool,
    archive: bool,
    per_page: int,
    limit: int,
    template_dir: Path | None,
) -> None:
    """Write a static HTML site of the results of QUERIES that opens from disk.

    \b
    Example:
      searchkit report "bo cong an" "công binh" -o out/
      searchkit report --all -o archive/
    """
    from searchkit.report import write_report

    if not queries and not archive:
        raise QueryError("give at least one QUERY, or --all for the archive of the whole index")
    written = write_report(
        index_dir,
        [_check_text_argument(q) for q in queries],
        out_dir,
        archive=archive,
        limit=limit,
        template_dir=template_dir,
        per_page=per_page,
        force=force,
    )
    click.echo(f"wrote {written.pages} pages to {out_dir} (open {out_dir / 'index.html'})")


# ---------------------------------------------------------------- analyze


@cli.command("analyze")
@click.argument("text")
@click.option(
    "--mode",
    type=click.Choice(["index", "query", "highlight"]),
    default="index",
    show_default=True,
    help="Analyzer mode: what is indexed, what a query looks up, or what highlighting matches.",
)
@json_option
@errors_as_exit_codes
def analyze_command(text: str, mode: str, as_json: bool) -> None:
    """Show the tokens the analyzer emits for TEXT, one per line with its position.

    \b
    Example:
      searchkit analyze "Bộ Công an"
      searchkit analyze "bo cong an" --mode query
    """
    from searchkit.analysis import analyze

    tokens = analyze(_check_text_argument(text), mode=mode)
    if as_json:
        print_json({"tokens": [{"position": p, "token": t, "start": s, "end": e} for p, t, s, e in tokens]})
        return
    for position, token, start, end in tokens:
        click.echo(f"{position}\t{token}\t{start}-{end}")
