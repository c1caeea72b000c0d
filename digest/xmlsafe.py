"""Reading XML that comes back from other tools: ElementTree elements that know their line, safely.

The standard library's expat parser builds ElementTree elements (names as `{namespace}local`) and
records each element's line, so that a problem in a translator's file names where it is. Entity
declarations are refused (no entity expansion attacks) and no external DTD or entity is ever fetched.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

from .errors import DigestError, error


class LineElement(ET.Element):
    """An element with the line of its start tag."""

    line: int = 0


class EntityDeclared(Exception):
    """The document declares an entity: refused."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def parse_xml(data: bytes, shown: str) -> LineElement:
    """The root element of an XML document, or a DigestError naming the line where it is not XML."""
    builder = ET.TreeBuilder(element_factory=LineElement)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True

    def start(name: str, attrs: dict) -> None:
        element = builder.start(qualified(name), {qualified(k): v for k, v in attrs.items()})
        element.line = parser.CurrentLineNumber

    def refuse(*_args) -> None:
        raise EntityDeclared(parser.CurrentLineNumber)
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(qualified(name))
    parser.CharacterDataHandler = builder.data
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise DigestError(error(shown, exc.lineno, f"this is not well-formed XML ({expat.errors.messages[exc.code]}, "
                                f"column {exc.offset + 1})", "the file was damaged or edited by hand: open it in "
                                "your translation tool and export it again", code="not-xml")) from None
    except EntityDeclared as exc:
        raise DigestError(error(shown, exc.line, "the file declares XML entities, which are not accepted",
                                "export the file again from your translation tool", code="not-xml")) from None
    return builder.close()


def qualified(name: str) -> str:
    """expat's `namespace}local` as ElementTree's `{namespace}local`."""
    return "{" + name if "}" in name else name


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    """An element's namespace ('' when it has none)."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
