"""The deflate library of WARC files: zlib-ng (python-zlib-ng), zlib's API and streams.

Every WARC record is a gzip member, compressed once when captured and decompressed
whenever it is read (replay, verify, export). zlib-ng writes the same format (any gzip
reader reads it) at about half of zlib's CPU at the same level, for members within 1 %
of the size, and reads 2-3 times faster (realpages-dev pages, 121 KB on average: level 6
1.30 against 2.42 ms a page; decompression 0.13 against 0.37 ms). A crawl of real-size
pages on two cores is bound by its CPU, and the WARC record's gzip was its largest single
step (docs/performance.md, fifteenth pass).

Where no zlib-ng wheel exists, the standard library's zlib does the same job, slower.
"""

from __future__ import annotations

try:
    from zlib_ng import zlib_ng as zlib
except ImportError:  # pragma: no cover - a platform without zlib-ng's wheel
    import zlib  # type: ignore[no-redef]

__all__ = ["zlib"]
