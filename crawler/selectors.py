"""Does a profile's selector compile? The check parsel makes, without importing parsel.

Every command that loads the site profiles checks their selectors (a broken one makes the
profile broken, which `luutru health` reports). Importing parsel for that pulls in w3lib,
urllib.request, http.client and email: about a quarter of `luutru health`'s start-up on
top of SQLAlchemy. The same verdict comes from the two libraries parsel itself runs:
cssselect translates CSS (with parsel's two pseudo-elements, ``::text`` and
``::attr(NAME)``, accepted exactly where parsel accepts them) and lxml compiles the XPath
and evaluates it on an empty page with parsel's default namespaces, as ``Selector.xpath``
does. tests/test_profiles.py holds the two verdicts side by side.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

XPATH_PREFIX = "xpath:"
# parsel.Selector._default_namespaces: the EXSLT prefixes a selector may use.
NAMESPACES = {
    "re": "http://exslt.org/regular-expressions",
    "set": "http://exslt.org/sets",
}


@lru_cache(maxsize=1)
def _tools() -> tuple[Any, Any]:
    from cssselect import HTMLTranslator
    from lxml import etree

    return HTMLTranslator(), etree.fromstring("<html></html>")


def _pseudo_element(pseudo: Any) -> None:
    """parsel's TranslatorMixin.xpath_pseudo_element: ``::text`` and ``::attr(NAME)`` only."""
    from cssselect import FunctionalPseudoElement
    from cssselect.xpath import ExpressionError

    if pseudo is None:
        return
    if isinstance(pseudo, FunctionalPseudoElement):
        if pseudo.name != "attr":
            raise ExpressionError(f"The functional pseudo-element ::{pseudo.name}() is unknown")
        if pseudo.argument_types() not in (["STRING"], ["IDENT"]):
            raise ExpressionError(
                f"Expected a single string or ident for ::attr(), got {pseudo.arguments!r}"
            )
    elif pseudo != "text":
        raise ExpressionError(f"The pseudo-element ::{pseudo} is unknown")


def _css_to_xpath(css: str) -> str:
    import cssselect

    translator, _ = _tools()
    parts = []
    for selector in cssselect.parse(css):
        _pseudo_element(selector.pseudo_element)
        parts.append(translator.selector_to_xpath(selector, translate_pseudo_elements=False))
    return " | ".join(parts)


def check_selector(selector: str) -> None:
    """Raise ValueError when a CSS or ``xpath:`` selector does not compile."""
    from lxml import etree

    _, page = _tools()
    try:
        if selector.startswith(XPATH_PREFIX):
            query = selector[len(XPATH_PREFIX) :]
        else:
            query = _css_to_xpath(selector)
        etree.XPath(query, namespaces=NAMESPACES)(page)
    except Exception as exc:  # cssselect and lxml raise several types
        raise ValueError(f"selector {selector!r} does not compile: {exc}") from exc
