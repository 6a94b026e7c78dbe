"""Docs stay in step with the code: every setting and CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import click

from limelight.cli import main
from limelight.settings import SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_every_setting_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"settings missing from docs/settings.md: {missing}"


def _commands(group: click.Group, prefix: str = "limelight") -> list[str]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        full = f"{prefix} {name}"
        out.append(full)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full))
    return out


def test_docs_every_cli_command_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = [c for c in _commands(main) if f"`{c}" not in text]
    assert not missing, f"CLI commands missing from docs/cli.md: {missing}"


def test_every_example_config_in_docs_cluster_md_is_a_valid_limelight_toml() -> None:
    import re
    import tomllib

    from limelight.settings import Settings

    text = (Path(__file__).resolve().parents[1] / "docs" / "cluster.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 4
    for block in blocks:
        settings = Settings.from_dict(tomllib.loads(block), "docs/cluster.md")
        assert settings["cluster.kind"] in ("local", "kubernetes", "slurm")
