"""A third-party enricher that misbehaves on cue, installed the way real plugins are: a module plus
a ``*.dist-info`` with a ``limelight.plugins`` entry point, on ``PYTHONPATH``, so the worker
processes load it through the registry like any other plugin.

Cues in a document's text: ``STALL-ME`` sleeps far past any time limit, ``CRASH-ME`` kills the
process with SIGSEGV, ``EAT-ME`` allocates memory until something stops it, ``RAISE-ME`` raises.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

PLUGIN_SOURCE = textwrap.dedent('''
    import os
    import signal
    import time


    class Evil:
        name = "evil"
        version = "1"
        title = "misbehaves on cue (tests only)"
        requires = ("document.text",)
        provides = ("evil",)

        def setup(self, ctx):
            self._hoard = []

        def __call__(self, item):
            text = item.document.text
            if "STALL-ME" in text:
                time.sleep(3600)
            if "CRASH-ME" in text:
                os.kill(os.getpid(), signal.SIGSEGV)
            if "EAT-ME" in text:
                for _ in range(400):  # up to 20 GB, 50 MB at a time, touched so it is resident
                    self._hoard.append(bytearray(50 * 2**20))
                    self._hoard[-1][::4096] = b"x" * len(self._hoard[-1][::4096])
                    time.sleep(0.01)
            if "RAISE-ME" in text:
                raise RuntimeError("evil plugin raised")
            return item


    def register(registry):
        registry.register("enricher", Evil())
''')


def install_evil_plugin(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write the plugin into ``folder`` and put it on PYTHONPATH for processes started from now."""
    (folder / "limelight_evil_plugin.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    info = folder / "limelight_evil_plugin-0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: limelight-evil-plugin\nVersion: 0.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text("[limelight.plugins]\nevil = limelight_evil_plugin:register\n",
                                           encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(folder))
