"""A forgiving reader for OFX markup, both 1.x SGML and 2.x XML, into a tag tree.

OFX 1.x leaves data elements unclosed (``<TRNAMT>-12.00``) and real files
also leave aggregates unclosed or close them twice; 2.x is XML but may wrap
text in CDATA. One rule reads all of them: a start tag followed by text is a
leaf that ends at the next tag, and an end tag closes the nearest open element
of its name (and anything left open inside it). No XML parser is involved, so
no entity or DTD in the file is ever resolved.
"""

from __future__ import annotations

import re
from typing import Final
from xml.etree.ElementTree import Element

_TOKEN: Final = re.compile(
    r"<!\[CDATA\[(?P<cdata>.*?)\]\]>"
    r"|<!--.*?-->"
    r"|<[?!][^>]*>"
    r"|</\s*(?P<end>[A-Za-z0-9._:-]+)\s*>"
    r"|<\s*(?P<start>[A-Za-z0-9._:-]+)[^>]*?(?P<empty>/)?>"
    r"|(?P<text>[^<]+)",
    re.DOTALL,
)
_ENTITY: Final = re.compile(r"&(amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9A-Fa-f]+);")
_NAMED: Final = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "nbsp": " "}


def _unescape(text: str) -> str:
    # Only the entities OFX defines (and numeric ones); a bare "AT&T" stays as written.
    def one(match: re.Match[str]) -> str:
        name = match[1]
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED[name]

    return _ENTITY.sub(one, text)


def read_tree(text: str) -> Element | None:
    """The ``OFX`` element of ``text``, or None when the text holds no ``<OFX>``."""
    start = re.search(r"<\s*OFX[\s>]", text, re.IGNORECASE)
    if start is None:
        return None
    root = Element("#document")
    stack = [root]
    # Whether the innermost open element already holds text (then it is a leaf).
    has_text = [False]
    for token in _TOKEN.finditer(text, start.start()):
        if token["start"] is not None:
            if has_text[-1] and len(stack) > 1:
                stack.pop()
                has_text.pop()
            element = Element(token["start"].upper())
            element.text = ""
            stack[-1].append(element)
            if token["empty"] is None:
                stack.append(element)
                has_text.append(False)
        elif token["end"] is not None:
            _close(stack, has_text, token["end"].upper())
        elif token["text"] is not None or token["cdata"] is not None:
            chunk = token["cdata"] if token["cdata"] is not None else _unescape(token["text"])
            top = stack[-1]
            if len(stack) > 1 and (chunk.strip() or has_text[-1]):
                top.text = (top.text or "") + chunk
                has_text[-1] = has_text[-1] or bool(chunk.strip())
    return root.find("OFX")


def _close(stack: list[Element], has_text: list[bool], tag: str) -> None:
    for depth in range(len(stack) - 1, 0, -1):
        if stack[depth].tag == tag:
            del stack[depth:]
            del has_text[depth:]
            return
    # A closing tag for a leaf that was already ended: nothing to do.


def text_of(element: Element, path: str) -> str | None:
    """Stripped text at ``path`` below ``element``; None when missing or blank."""
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None
