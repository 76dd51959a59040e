"""Every environment variable the code reads is documented, and nothing else is.

The names are found by reading the source, so a new `env.int("X", ...)` without a
row in README.md's configuration table and a line in `.env.example` fails here.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = r"([A-Z][A-Z0-9_]*)"
PYTHON_READS = [
    # django-environ: env("X"), env.int("X"), env.db("X") ...
    rf"\benv(?:\.\w+)?\(\s*[\"']{NAME}[\"']",
    rf"os\.environ\.get\(\s*[\"']{NAME}[\"']",
    rf"os\.getenv\(\s*[\"']{NAME}[\"']",
    rf"os\.environ\[\s*[\"']{NAME}[\"']\s*\](?!\s*=[^=])",
    rf"[\"']{NAME}[\"']\s+(?:not\s+)?in\s+os\.environ",
]
# `X ?= default` in the Makefile: the environment overrides the default.
MAKE_READS = [rf"^(?:export\s+)?{NAME}\s*\?=", r"\$\(\s*([A-Z][A-Z0-9_]*)\s*\)"]
SHELL_READS = [r"\$\{([A-Z][A-Z0-9_]*)[:}-]"]
# Set by the code for Django or a library, never configured.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def reads(paths: list[Path], patterns: list[str]) -> set[str]:
    found = set()
    for path in paths:
        text = path.read_text()
        for pattern in patterns:
            found |= set(re.findall(pattern, text, flags=re.MULTILINE))
    return found - NOT_CONFIGURATION


def python_files(*folders: str) -> list[Path]:
    return [
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and path != Path(__file__).resolve()
    ]


def app_variables() -> set[str]:
    """What the site, its gunicorn config, the Makefile and the tests read."""
    python = python_files("medspa", "blog", "booking", "tests") + [ROOT / "manage.py"]
    make = reads([ROOT / "Makefile"], MAKE_READS)
    # Make's own variables ($(VENV), $(PY), ...) are defined with := or =.
    defined = set(
        re.findall(rf"^{NAME}\s*:?=", (ROOT / "Makefile").read_text(), re.MULTILINE)
    )
    return reads(python, PYTHON_READS) | (make - defined)


def bench_variables() -> set[str]:
    return reads(python_files("bench"), PYTHON_READS) | reads(
        list((ROOT / "bench").glob("*.sh")) + [ROOT / ".ci" / "run"], SHELL_READS
    )


def readme_configuration() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]


def readme_table() -> set[str]:
    """Names in the first column of the configuration table."""
    rows = [line for line in readme_configuration().splitlines() if line[:1] == "|"]
    first_cells = [row.split("|")[1] for row in rows]
    return {name for cell in first_cells for name in re.findall(rf"`{NAME}`", cell)}


def env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(rf"^#?\s*{NAME}=", text, re.MULTILINE))


def test_the_parser_finds_variables_of_every_kind():
    # One of each way of reading: django-environ, os.environ, `in`, the Makefile.
    found = app_variables()
    assert {"DJANGO_DEBUG", "DATABASE_URL", "BOOKING_FORM_MAX_AGE"} <= found
    assert {"HOST", "WEB_CONCURRENCY", "RUN_TASK_WORKER"} <= found
    assert {"CHROMIUM_PATH", "XDG_RUNTIME_DIR", "PYTHON"} <= found
    assert {"VENV", "PY", "SHELL"}.isdisjoint(found)
    assert {"BENCH_SECONDS", "CHROME_PATH"} <= bench_variables()


def test_every_variable_the_code_reads_is_in_the_readme_table():
    assert app_variables() - readme_table() == set()


def test_every_variable_the_code_reads_is_in_env_example():
    assert app_variables() - env_example() == set()


def test_the_readme_table_and_env_example_list_nothing_the_code_does_not_read():
    assert readme_table() - app_variables() == set()
    assert env_example() - app_variables() == set()


def test_benchmark_variables_are_noted_in_the_readme():
    configuration = readme_configuration()
    missing = {name for name in bench_variables() if f"`{name}`" not in configuration}
    assert missing == set()


def test_env_example_is_development_safe_and_env_stays_ignored():
    # Active lines are development values; production secrets never live in it.
    active = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert active.get("DJANGO_DEBUG", "1") == "1"
    assert "DJANGO_SECRET_KEY" not in active
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
