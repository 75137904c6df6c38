"""Page furniture: what makes a real portal's page weigh 100 KB and more around a 5 KB
article (Liferay's inline portlet configuration, analytics, menus as script data).

The demo's own pages are about 6 KB, so a crawl benchmark on them underweights every
per-byte cost (gzip, digests, parsing, pickling to a worker). ``page_furniture`` is an
inline script of about the asked size, the same on every page (as real furniture is),
made of varied identifiers and numbers so that it compresses like real script (about 4x),
not like one repeated line.
"""

from __future__ import annotations

import random

_WORDS = ("portlet", "instance", "layout", "theme", "render", "config", "menu", "item",
          "namespace", "plid", "group", "site", "asset", "publisher", "display", "url")  # fmt: skip


def page_furniture(size: int, seed: int = 1) -> bytes:
    """About ``size`` bytes of inline ``<script>`` (b"" for 0)."""
    if size <= 0:
        return b""
    rng = random.Random(f"furniture-{seed}")
    lines = ["<script>"]
    total = 0
    while total < size:
        name = "_".join(rng.choice(_WORDS) for _ in range(3))
        ident = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
        line = (f'var {name}_{rng.randrange(10**6)} = {{"id":"{ident}",'
                f'"plid":{rng.randrange(10**7)},"url":"/web/guest/{rng.choice(_WORDS)}'
                f'/{ident}?p_p_id={name}&p_p_lifecycle={rng.randrange(3)}"}};')  # fmt: skip
        lines.append(line)
        total += len(line) + 1
    lines.append("</script>")
    return "\n".join(lines).encode("ascii")
