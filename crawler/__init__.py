"""The Scrapy project: site profiles → portal spider → extraction → pipelines."""

import os

# Scrapy's cookie middleware builds a tldextract extractor at import time, and tldextract
# fetches the public-suffix list from the internet on first use (a stall, then a traceback,
# offline). An empty URL list makes it use the snapshot bundled in the package. This must
# run before scrapy.downloadermiddlewares.cookies is imported, hence here.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
