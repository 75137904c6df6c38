"""The house is one-way: archive ← crawler ← luutru ← bench, demo_portal apart, no circles.

The contracts live in pyproject.toml ([tool.importlinter]) and are checked here with
import-linter, every import counted (those inside functions too). Two planted violations
prove the check can fail, and a crawl with ``luutru`` made unimportable proves the Scrapy
project runs on its own floor.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "crawler", "luutru", "bench", "demo_portal")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter over the packages under ``root``, with ``root``'s pyproject.toml."""
    script = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def copy_house(tmp_path: Path) -> Path:
    root = tmp_path / "house"
    root.mkdir()
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "results", "data", "static")
    for name in PACKAGES:
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    return root


def test_the_house_keeps_its_contracts() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_an_import_running_up_the_house_is_caught(tmp_path: Path) -> None:
    root = copy_house(tmp_path)
    records = root / "archive" / "records.py"
    records.write_text(records.read_text() + "\nimport crawler.profiles  # planted\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "floors: bench above luutru above crawler above archive BROKEN" in result.stdout
    assert "archive.records -> crawler.profiles" in result.stdout


def test_two_modules_importing_each_other_are_caught(tmp_path: Path) -> None:
    root = copy_house(tmp_path)
    ids = root / "archive" / "ids.py"  # archive.store imports archive.ids
    ids.write_text(ids.read_text() + "\n\ndef _planted():\n    import archive.store\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "no circles" in result.stdout and "BROKEN" in result.stdout


@pytest.mark.slow
def test_the_crawler_runs_alone_with_scrapy_crawl(tmp_path: Path) -> None:
    """`scrapy crawl portal` with the application floor (luutru) unimportable: the run is
    kept (row, log file, stats, health) by the crawler's own books."""
    from demo_portal import DemoPortal

    data = tmp_path / "data"
    # A meta-path finder that refuses luutru: any import of it, however deep, fails.
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class _NoApp:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'luutru' or name.startswith('luutru.'):\n"
        "            raise ImportError('luutru is not importable in this test')\n"
        "sys.meta_path.insert(0, _NoApp())\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
        "LUUTRU_DATA": str(data),
        "PYTHONUTF8": "1",
    }
    with DemoPortal(articles=12, epoch=0, port=0) as portal:
        command = [
            sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "site=demo-liferay",
            "-a", f"base_url={portal.base_url}", "-s", "LOG_LEVEL=INFO",
        ]  # fmt: skip
        result = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "luutru is not importable" not in result.stderr
    from archive.store import Archive

    with Archive.open(data) as archive:
        runs = archive.runs("demo-liferay")
        assert [r["status"] for r in runs] == ["succeeded"]
        assert runs[0]["stats"]["luutru/articles_new"] >= 6
        assert Path(runs[0]["log_path"]).is_file()
        assert "run 1 of demo-liferay" in Path(runs[0]["log_path"]).read_text("utf-8")
