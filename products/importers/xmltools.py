"""XML parsing with line numbers for error messages, and without entity declarations."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

from .errors import ModelFileError


class XmlDocument:
    """A parsed XML file: its root element and the line each element starts on."""

    def __init__(self, root: ET.Element, lines: dict[int, int], source: str) -> None:
        self.root = root
        self._lines = lines  # id(element) -> line; the ids stay valid while the tree lives
        self.source = source

    def line(self, element: ET.Element) -> int | None:
        return self._lines.get(id(element))

    def error(
        self,
        element: ET.Element | None,
        reason: str,
        *,
        error: type[ModelFileError] = ModelFileError,
        describe: bool = True,
    ) -> ModelFileError:
        line = self.line(element) if element is not None else None
        return error(
            reason,
            source=self.source,
            line=line,
            element=describe_element(element) if element is not None and describe else None,
        )


def describe_element(element: ET.Element) -> str:
    name = element.get("name")
    return f'<{element.tag} name="{name}">' if name is not None else f"<{element.tag}>"


def parse_xml(data: str | bytes, source: str) -> XmlDocument:
    """Parse with expat (bytes: the declared encoding applies). Entity declarations, the way to
    entity-expansion attacks, are refused."""
    lines: dict[int, int] = {}
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = builder.start(tag, attrs)
        lines[id(element)] = parser.CurrentLineNumber

    def refuse_entities(name: str, *args: object) -> None:
        raise ModelFileError(
            f"entity declarations ({name}) are not accepted",
            source=source,
            line=parser.CurrentLineNumber,
            code="syntax_error",
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.EntityDeclHandler = refuse_entities
    try:
        parser.Parse(data, True)
        root = builder.close()
    except expat.ExpatError as error:
        reason = expat.ErrorString(error.code)
        raise ModelFileError(
            f"not well-formed XML: {reason}",
            source=source,
            line=error.lineno,
            column=error.offset + 1,
            code="syntax_error",
        ) from None
    except AssertionError:  # TreeBuilder.close() without a root element
        raise ModelFileError("no XML element found", source=source, code="syntax_error") from None
    return XmlDocument(root, lines, source)
