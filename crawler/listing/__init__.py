"""The listing recogniser: what a listing page links to, read from its structure alone.

For profiles without listing selectors: items.py finds the article links (repeated
blocks of a headline link with a date and/or a lead), pager.py the next pages (numbered,
"Trang sau", "Xem thêm", ASP.NET ``__doPostBack``), traps.py the links that lead into
endless chains (calendars, date browsing). identity.py says which URLs are one article.
All pure functions over a parsed page, tested on real listing captures.
"""

from crawler.listing.items import ListingItem, find_items
from crawler.listing.pager import PagerLink, find_pager

__all__ = ["ListingItem", "PagerLink", "find_items", "find_pager"]
