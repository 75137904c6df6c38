"""Scrapy's extensions that this project turns off are not loaded at all.

Scrapy imports every extension of ``EXTENSIONS_BASE`` to build a crawl, each then saying
"not configured" when its setting is off. The remote control's module imports aiohttp
(Scrapy ≥ 2.19): a tenth of a second of CPU at the start of every crawl process, the
scheduler's included, for an extension crawler/settings.py turns off. Naming it ``None``
in ``EXTENSIONS`` does not help: Scrapy loads the class to match the name.
"""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

# extension → the setting that turns it on (both default on in Scrapy)
_SWITCHED = {
    "scrapy.extensions.telnet.TelnetConsole": "TELNETCONSOLE_ENABLED",
    "scrapy.extensions.remote_control.RemoteControl": "REMOTE_CONTROL_ENABLED",
}


class LeanExtensions:
    """Add-on (``ADDONS``): the switched-off extensions above leave ``EXTENSIONS_BASE``."""

    def update_settings(self, settings: BaseSettings) -> None:
        base = settings.getdict("EXTENSIONS_BASE")
        off = {path for path, switch in _SWITCHED.items() if not settings.getbool(switch)}
        if off & set(base):
            kept = {path: order for path, order in base.items() if path not in off}
            # At the priority the base was set with: an add-on's own is lower than a
            # project's or the command line's, and would be ignored.
            priority = max(
                settings.getpriority("EXTENSIONS_BASE") or 0, SETTINGS_PRIORITIES["addon"]
            )
            settings.set("EXTENSIONS_BASE", kept, priority=priority)
