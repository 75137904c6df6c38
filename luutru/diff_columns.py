"""`luutru diff --side-by-side`: two versions in two columns, as wide as the terminal.

The rows are archive/diff_view.py's (paragraphs aligned, words diffed), one block per
changed field; long runs of unchanged paragraphs fold to one line, keeping one paragraph
of context on each side of a change. Laid out with rich (a Table wraps each cell to its
column, measuring wide characters): on a terminal the changed words are coloured (red on
the old side, green on the new); otherwise, or with --no-color / NO_COLOR, they carry
the same plain markers as the inline diff, ``[-old-]`` and ``{+new+}``, and no escape
codes are written.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from archive.diff import FieldDiff, field_text
from archive.diff_view import side_by_side

CONTEXT = 1  # unchanged paragraphs kept beside a change
MIN_WIDTH = 40  # narrower than this, columns are unreadable: lay out at this width


def _cell(parts: Sequence[tuple[str, bool]], side: str, colour: bool) -> Text:
    """One side of a row: marked words coloured, or between plain markers."""
    text = Text()
    for chunk, marked in parts:
        if not marked:
            text.append(chunk)
        elif colour:
            text.append(chunk, style="bold red" if side == "old" else "bold green")
        else:
            text.append(f"[-{chunk}-]" if side == "old" else f"{{+{chunk}+}}")
    return text


def _folded(rows: list[dict[str, Any]]) -> list[dict[str, Any] | int]:
    """``rows`` with each run of unchanged rows beyond CONTEXT of a change as its length."""
    near = set()
    for i, row in enumerate(rows):
        if row["kind"] != "equal":
            near.update(range(i - CONTEXT, i + CONTEXT + 1))
    out: list[dict[str, Any] | int] = []
    for i, row in enumerate(rows):
        if row["kind"] != "equal" or i in near:
            out.append(row)
        elif out and isinstance(out[-1], int):
            out[-1] += 1
        else:
            out.append(1)
    return out


def render(
    diffs: Sequence[FieldDiff],
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    titles: tuple[str, str],
    out: IO[str],
    colour: bool,
    width: int | None = None,
) -> None:
    """Write the changed fields of ``a`` → ``b`` side by side to ``out``; then the
    unchanged fields' names. ``width``: the terminal's (COLUMNS, else 80) unless given."""
    width = max(MIN_WIDTH, width or shutil.get_terminal_size().columns)
    console = Console(file=out, width=width, color_system="standard" if colour else None,
                      force_terminal=colour, no_color=not colour, highlight=False,
                      emoji=False, markup=False)  # fmt: skip
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column("", no_wrap=True, style="dim" if colour else None)
    for title in titles:
        table.add_column(title, ratio=1, overflow="fold")
    for d in diffs:
        if not d.changed:
            continue
        label = d.field
        old, new = field_text(a.get(d.field)), field_text(b.get(d.field))
        for row in _folded(side_by_side(old, new)):
            if isinstance(row, int):
                gap = Text(f"⋯ {row} unchanged", style="dim" if colour else "")
                table.add_row(label, gap, gap.copy())
            else:
                table.add_row(label, _cell(row["old"], "old", colour),
                              _cell(row["new"], "new", colour))  # fmt: skip
            label = ""
    same = [d.field for d in diffs if not d.changed]
    with console.capture() as captured:
        console.print(table)
        if same:
            console.print("unchanged: " + ", ".join(same))
    # cells are padded to their column: no trailing blanks in what is piped or saved
    out.write("\n".join(line.rstrip(" ") for line in captured.get().split("\n")))
