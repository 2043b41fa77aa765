"""The ``searchkit`` command: a thin click layer over the library.

Each command validates its options, calls one library function and formats
the result for a terminal (styled), a pipe (plain) or ``--json``.  Every
error a user can cause ends as one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import functools
import json
import math
import os
import select
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from searchkit import __version__
from searchkit.errors import QueryError, SearchkitError
from searchkit.fields import RESULT_FACETS
from searchkit.ingest import DEFAULT_MAX_ARTICLE_BYTES, MB

# numpy's OpenBLAS starts a thread per core when numpy is imported; searchkit does no dense linear
# algebra (its arrays are set operations and sums), so a command need not pay for them: about 70 ms
# of CPU off each cold search on 2 cores.  A value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

F = TypeVar("F", bound=Callable[..., Any])


class FiniteFloatRange(click.FloatRange):
    """click's ``FloatRange`` without ``nan`` and ``inf``, which pass its comparisons."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


DEFAULT_INDEX = "index"
INDEX_ENV = "SEARCHKIT_INDEX"
DEBUG_ENV = "SEARCHKIT_DEBUG"
INTERNAL_ERROR = "internal error: {error} (set SEARCHKIT_DEBUG=1 to see the traceback and please report it)"
NOT_UTF8_ARGUMENT = "the query is not valid UTF-8 text"
NO_COLOR_ENV = "NO_COLOR"
COLOR_CHOICES = ("auto", "always", "never")
FORMATS = ("text", "json", "jsonl", "csv")
JSON_AND_FORMAT = "--json is --format json: give one or the other"


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
            click.echo("Error: " + internal_error(error), err=True)
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


#: Where a command leaves the exit code it ends with, before it prints: kept when its reader goes away.
EXIT_IF_OUTPUT_CLOSED = "searchkit.exit_code"


def exit_code_before_output(code: int) -> int:
    """Record the exit code the command will return, so that a reader going away (`| head`) does not change it."""
    click.get_current_context().meta[EXIT_IF_OUTPUT_CLOSED] = code
    return code


def errors_as_exit_codes(command: F) -> F:
    """Turn library errors into click errors with the right exit code (1 runtime, 2 usage)."""
    return exit_codes()(command)


def exit_codes(runtime: int = 1) -> Callable[[F], F]:
    """Library errors become one-line click errors: usage and query errors exit 2, runtime ones ``runtime``.

    ``search`` passes ``runtime=2``, as rg and grep do, so that its exit code 1
    means only "nothing matched"; an unexpected error then exits 2 as well.
    """

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return command(*args, **kwargs)
            except BrokenPipeError:
                if not _stdout_closed():
                    raise  # another pipe (an indexing worker's): a real failure
                _discard_stdout()  # the reader stopped reading (`| head`): done, as rg takes it
                return click.get_current_context().meta.get(EXIT_IF_OUTPUT_CLOSED, 0)
            except SearchkitError as error:
                raise _click_error(str(error), max(error.exit_code, runtime)) from None
            except click.ClickException as error:
                error.exit_code = max(error.exit_code, runtime)
                raise
            except (click.Abort, KeyboardInterrupt):
                raise
            except Exception as error:
                if runtime == 1 or os.environ.get(DEBUG_ENV):
                    raise  # OneLineErrors prints it with exit code 1
                raise _click_error(internal_error(error), runtime) from None

        return wrapper  # type: ignore[return-value]

    return decorate


def _stdout_closed() -> bool:
    """True when nothing reads standard output any more (its pipe reports an error)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        # Linux reports a pipe without a reader as an error, macOS and sockets as hung up
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), or no real stdout (tests)
        return False


def _discard_stdout() -> None:
    """Point standard output at the null device, so that the exit's flush cannot fail on the closed pipe."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


def _click_error(message: str, exit_code: int) -> click.ClickException:
    exception = click.ClickException(message)
    exception.exit_code = exit_code
    return exception


def internal_error(error: BaseException) -> str:
    return INTERNAL_ERROR.format(error=f"{type(error).__name__}: {error}")


def color_option(command: F) -> F:
    """``--color auto|always|never``; ``auto`` colours a terminal unless ``NO_COLOR`` is set (no-color.org)."""
    return click.option(
        "--color",
        type=click.Choice(COLOR_CHOICES),
        default="auto",
        show_default=True,
        help=f"Colour the output: on a terminal (auto, unless {NO_COLOR_ENV} is set), always or never.",
    )(command)


def use_color(choice: str) -> bool | None:
    """click's ``color`` argument: True forces styles, False strips them, None decides by the terminal."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get(NO_COLOR_ENV):
        return False
    return None


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
    type=FiniteFloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another index run to finish.",
)
@click.option(
    "--max-article-mb",
    type=FiniteFloatRange(min=0, min_open=True),
    default=DEFAULT_MAX_ARTICLE_BYTES / MB,
    show_default=True,
    help="Articles with more text than this many MB are indexed up to it, cut at a word, with a warning.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--watch", is_flag=True, help="Keep indexing as files appear or change, until Ctrl-C.")
@click.option(
    "--debounce",
    "--interval",
    "debounce",
    type=FiniteFloatRange(min=0.05),
    default=0.5,
    show_default=True,
    help="With --watch: index once no file has changed for this many seconds.",
)
@errors_as_exit_codes
def index_command(
    paths: tuple[str, ...],
    index_dir: Path,
    full: bool,
    workers: int | None,
    wait: float,
    max_article_mb: float,
    quiet: bool,
    watch: bool,
    debounce: float,
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
        watch_paths(
            list(paths),
            index_dir,
            workers=workers,
            wait=wait,
            quiet=quiet,
            debounce=debounce,
            max_article_mb=max_article_mb,
        )
        return 0
    summary = run_index(
        list(paths), index_dir, full=full, workers=workers, wait=wait, quiet=quiet, max_article_mb=max_article_mb
    )
    code = exit_code_before_output(1 if summary.skipped else 0)
    if not quiet:
        click.echo(summary.line())
    return code


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
    help="Rank by relevance, or newest first (then no score is shown).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default=None,
    help="text (default), one JSON object, JSON Lines (one hit per line) or CSV (a header, then one hit per row).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--facet",
    "facets",
    type=click.Choice(RESULT_FACETS),
    multiple=True,
    help=(
        "Count the whole result set by author, month, year, or the people (name), places and "
        "organisations (org) named (repeatable; text and json)."
    ),
)
@click.option(
    "--fold/--no-fold",
    default=True,
    show_default=True,
    help="Fold near-duplicate articles (the same story re-titled or trimmed) under the best-ranked copy.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing: only the exit code says whether something matched.")
@color_option
@exit_codes(runtime=2)
def search_command(
    query: str,
    index_dir: Path,
    limit: int,
    page: int,
    sort: str,
    output_format: str | None,
    as_json: bool,
    facets: tuple[str, ...],
    fold: bool,
    quiet: bool,
    color: str,
) -> int:
    """Search the index: words, "phrases", AND/OR/NOT, -word, field:value, dates.

    Diacritics are optional: `bo cong an` finds `Bộ Công an`. When no article
    has every word, the articles with the most of them are shown, and words
    the index has never seen get a "Did you mean".

    Exit code, as grep and rg: 0 when an article matches, 1 when none does,
    2 on an error.

    \b
    Example:
      searchkit search "bo cong an"
      searchkit search "bão Yagi" --no-fold
      searchkit search '"an ninh quốc gia" date:2020'
      searchkit search 'title:hội nghị AND date:[2020-01 to 2020-06]'
      searchkit search 'author:"nguyen ngoc"' --format json --facet year
      searchkit search 'place:"ha noi"' --facet name --facet org
      searchkit search "công binh" --format csv --limit 100 > hits.csv
      if searchkit search -q "bão Yagi"; then echo found; fi
      searchkit search -- '-"công an" quốc phòng'
    """
    from searchkit import render
    from searchkit.api import Index

    if as_json and output_format not in (None, "json"):
        raise click.UsageError(JSON_AND_FORMAT)
    output_format = "json" if as_json else output_format or "text"
    with Index(index_dir) as index:
        results = index.search(
            _check_text_argument(query),
            limit=limit,
            page=page,
            sort=sort,
            facets=bool(facets) and not quiet,
            fold=fold and not quiet,
        )
    code = exit_code_before_output(0 if results.total else 1)
    if not quiet:
        scored = sort == "relevance"
        if output_format == "json":
            print_json(render.results_json(results, scored=scored, facets=facets))
        elif output_format == "jsonl":
            click.echo(render.results_jsonl(results, scored=scored), nl=False)
        elif output_format == "csv":
            click.echo(render.results_csv(results, scored=scored), nl=False)
        else:
            click.echo(render.results_text(results, scored=scored, facets=facets), color=use_color(color))
    return code


# ---------------------------------------------------------------- show


@cli.command("show")
@click.argument("article_id", metavar="ID_OR_PATH")
@index_option
@json_option
@color_option
@errors_as_exit_codes
def show_command(article_id: str, index_dir: Path, as_json: bool, color: str) -> None:
    """Print a stored article: give its id, or the path `search` printed for it.

    \b
    Example:
      searchkit show seeds/004_a55b611e2d2fcdac.txt
      searchkit show 004_a55b611e2d2fcdac.txt --json
    """
    from searchkit.api import Index
    from searchkit.render import article_json, article_text

    with Index(index_dir) as index:
        stored = index.get(_check_text_argument(article_id))
    if as_json:
        print_json(article_json(stored))
    else:
        click.echo(article_text(stored), color=use_color(color))


# ---------------------------------------------------------------- related


@cli.command("related")
@click.argument("article_id", metavar="ID_OR_PATH")
@index_option
@click.option("--limit", "-n", type=click.IntRange(min=1), default=5, show_default=True, help="Articles to list.")
@json_option
@color_option
@errors_as_exit_codes
def related_command(article_id: str, index_dir: Path, limit: int, as_json: bool, color: str) -> None:
    """Articles on the same subject as one article (id or printed path), its copies left out.

    \b
    Example:
      searchkit related seeds/004_a55b611e2d2fcdac.txt
      searchkit related 004_a55b611e2d2fcdac.txt --json -n 10
    """
    from searchkit.api import Index
    from searchkit.render import related_json, related_text

    with Index(index_dir) as index:
        article = index.get(_check_text_argument(article_id))
        hits = index.related(article.id, limit=limit)
    if as_json:
        print_json(related_json(article, hits))
    else:
        click.echo(related_text(article, hits), color=use_color(color))


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
