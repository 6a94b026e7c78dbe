"""Regenerate docs/settings.md from the settings table and docs/cli.md from --help.

Run after changing a setting or a command: `python scripts/gen_docs.py`. tests/test_docs.py fails
when the docs lag behind.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from limelight.cli import main
from limelight.settings import SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def settings_md() -> str:
    lines = ["# Settings", "",
             "Every setting limelight reads from a project's `limelight.toml`. A dotted name is a key in a",
             "TOML table: `fetch.timeout` is `timeout` under `[fetch]`. `limelight init` writes them all,",
             "commented, with their defaults.", "",
             "| setting | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = repr(s.default).replace("|", "\\|")
        lines.append(f"| `{s.name}` | `{default}` | {s.help} |")
    lines += ["", "## Column mappings", "",
              "`[mappings.NAME]` tables describe CSV/JSONL exports limelight has no preset for; see",
              "docs/sources.md. Use one with `limelight ingest --mapping NAME FILE`.", ""]
    return "\n".join(lines)


def cli_md() -> str:
    out = ["# Command line", "", "Generated from `--help` by scripts/gen_docs.py.", ""]

    def walk(cmd: click.Command, path: list[str]) -> None:
        name = " ".join(path)
        result = CliRunner().invoke(main, [*path[1:], "--help"], terminal_width=100)
        out.extend([f"## `{name}`", "", "```", result.output.rstrip(), "```", ""])
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for sub in cmd.list_commands(ctx):
                child = cmd.get_command(ctx, sub)
                if child is not None:
                    walk(child, [*path, sub])

    walk(main, ["limelight"])
    return "\n".join(out)


if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    (DOCS / "settings.md").write_text(settings_md(), encoding="utf-8")
    (DOCS / "cli.md").write_text(cli_md(), encoding="utf-8")
    print("wrote docs/settings.md and docs/cli.md")
