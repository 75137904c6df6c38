"""Bundled demo portal: a local imitation of Vietnamese department news portals.

Sites of a fictional province ("tỉnh Hòa An"), each of its own CMS family, with deterministic
articles and exact truth: a Liferay-like Sở TT&TT under ``/lf`` and an ASP.NET/SharePoint-like
Sở LĐ-TB&XH under ``/asp`` (the default), and, opt-in (``families=``), a WordPress-like Sở Y tế
under ``/wp`` and an old PHP portal of the Sở Nội vụ under ``/php``.
"""

from .families import FAMILIES, ground_truth, is_trap, listing_urls, trap_patterns
from .server import DemoPortal, main

__all__ = [
    "FAMILIES",
    "DemoPortal",
    "ground_truth",
    "is_trap",
    "listing_urls",
    "main",
    "trap_patterns",
]
