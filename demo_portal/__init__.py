"""Bundled demo portal: a local imitation of Vietnamese department news portals.

Two sites of a fictional province ("tỉnh Hòa An"): a Liferay-like Sở TT&TT under ``/lf`` and an
ASP.NET/SharePoint-like Sở LĐ-TB&XH under ``/asp``, with deterministic articles and exact truth.
"""

from .content import ground_truth
from .server import DemoPortal, main

__all__ = ["DemoPortal", "ground_truth", "main"]
