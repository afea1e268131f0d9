"""Paged tables: ``?page=N`` (from 1), a count and one slice of rows per request.

A province has millions of rows behind most lists, so a page view asks its service for a
count and for one ``offset``/``limit`` slice; nothing loads a whole table into Python::

    total = service.count_things(session)
    number, offset = page_window(request, total=total, size=25)
    page = Page(service.list_things(session, offset=offset, limit=25), number, 25, total)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.requests import Request

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_row(self) -> int:
        """1-based position of the first row shown (0 when there is none)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last_row(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def page_count(total: int, size: int) -> int:
    """Pages needed for ``total`` rows; an empty table still has its one (empty) page."""
    return max(1, -(-total // size))


def page_number(request: Request) -> int:
    """The requested page; anything that is not a positive number means the first page."""
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10**9 else 1


def page_window(request: Request, *, total: int, size: int) -> tuple[int, int]:
    """``(number, offset)`` of the requested page, a page past the end meaning the last."""
    number = min(page_number(request), page_count(total, size))
    return number, (number - 1) * size


def page_url(request: Request, number: int) -> str:
    """This page's path and query with ``page`` replaced (same-site, no host)."""
    url = request.url.include_query_params(page=number)
    return f"{url.path}?{url.query}"
