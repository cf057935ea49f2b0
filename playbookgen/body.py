"""Find the lessons in a retro's Markdown body.

A small line scanner, not a Markdown parser: it only needs ATX headings and fenced code blocks (so a
`### ` inside a code fence is not a lesson). Rendering the Markdown is left to MkDocs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATTRIBUTE = re.compile(r"^ {0,3}[-*+][ \t]+([A-Za-z][A-Za-z _-]*?)[ \t]*:[ \t]*(.*?)[ \t]*$")
_LESSON_ID = re.compile(r"^L(\d+)[ \t]+(.+)$")
_TASK = re.compile(r"^ {0,3}[-*+][ \t]+\[([ xX])\][ \t]+(.+?)[ \t]*$")
ACTION_SECTIONS = {"actions", "action items", "next steps"}


@dataclass
class RawAction:
    done: bool
    text: str
    line: int


@dataclass
class RawAttribute:
    key: str
    value: str
    line: int


@dataclass
class RawLesson:
    heading: str
    title: str
    number: str | None  # the digits of an `L<n>` prefix
    line: int
    attributes: list[RawAttribute] = field(default_factory=list)
    prose_lines: list[str] = field(default_factory=list)
    prose_line: int = 0  # the file line of prose_lines[0]

    def misplaced_attributes(self) -> list[RawAttribute]:
        """`- key: value` lines found in the prose, where they are not read as attributes."""
        return [
            RawAttribute(m.group(1).strip().lower(), m.group(2), self.prose_line + i)
            for i, line in enumerate(self.prose_lines)
            if (m := _ATTRIBUTE.match(line))
        ]

    @property
    def prose(self) -> str:
        return "\n".join(self.prose_lines).strip("\n")


@dataclass
class ParsedBody:
    parts: list[str | RawLesson]
    lessons: list[RawLesson]
    has_lessons_section: bool
    lessons_line: int | None
    actions: list[RawAction] = field(default_factory=list)  # task items under '## Actions'


def parse_body(body: str, first_line: int = 1) -> ParsedBody:
    """Split a body into text parts and lessons; `first_line` is the body's line in the file."""
    parts: list[str | RawLesson] = []
    lessons: list[RawLesson] = []
    text: list[str] = []
    current: RawLesson | None = None
    in_lessons = False
    lessons_line: int | None = None
    fence: str | None = None
    reading_attributes = False
    in_actions = False
    actions: list[RawAction] = []

    def flush_text() -> None:
        if text:
            parts.append("\n".join(text))
            text.clear()

    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        if fence is not None:
            if line.lstrip(" ").startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
            _append(current, text, line, number)
            continue
        lead = line[:4].lstrip(" ")[:1]  # headings and fences start within the first four columns
        fence_match = _FENCE.match(line) if lead in ("`", "~") else None
        if fence_match:
            fence = fence_match.group(1)
            reading_attributes = False
            _append(current, text, line, number)
            continue
        heading = _HEADING.match(line) if lead == "#" else None
        level = len(heading.group(1)) if heading else 0
        if heading and level <= 2:
            current = None
            reading_attributes = False
            section = (heading.group(2) or "").strip().casefold() if level == 2 else ""
            in_lessons = section == "lessons"
            in_actions = section in ACTION_SECTIONS
            if in_lessons and lessons_line is None:
                lessons_line = number
            text.append(line)
            continue
        if heading and level == 3 and in_lessons:
            flush_text()
            title = (heading.group(2) or "").strip()
            prefix = _LESSON_ID.match(title)
            current = RawLesson(
                heading=title,
                title=prefix.group(2).strip() if prefix else title,
                number=prefix.group(1) if prefix else None,
                line=number,
            )
            lessons.append(current)
            parts.append(current)
            reading_attributes = True
            continue
        if current is not None and reading_attributes:
            attribute = _ATTRIBUTE.match(line)
            if attribute:
                current.attributes.append(RawAttribute(attribute.group(1), attribute.group(2), number))
                continue
            if not line.strip() and not current.attributes:
                continue  # blank lines between the heading and its attribute list
            reading_attributes = False
        if in_actions and (task := _TASK.match(line)):
            actions.append(RawAction(task.group(1) != " ", task.group(2), number))
        _append(current, text, line, number)
    flush_text()
    return ParsedBody(parts, lessons, lessons_line is not None, lessons_line, actions)


def _append(lesson: RawLesson | None, text: list[str], line: str, number: int) -> None:
    if lesson is not None:
        if not lesson.prose_lines:
            lesson.prose_line = number
        lesson.prose_lines.append(line)
    else:
        text.append(line)
