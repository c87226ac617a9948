"""Integers from the address bar, range-checked in one place.

Every id column is a 32-bit INTEGER: PostgreSQL refuses a larger bound parameter ("integer out of
range") and SQLite one beyond 64 bits, so an id typed or forged past 2³¹−1 used to end in a 500.
Here such a number never reaches the database:

- `<int:...>` in every route is `BoundedIntegerConverter`: 0..2³¹−1, anything else does not match
  the rule, hence 404;
- `query_int()` reads an integer from the query string: absent or empty gives the default, a whole
  number out of range gives 404, other text is ignored (or 404 with `strict=True`);
- `paginate()` reads `page=`: a page past the last shows the last page, a page that is not a
  positive number shows the first one (a page number is navigation, not an id).
"""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask, abort, current_app, request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import func, literal
from sqlalchemy import select as sa_select
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1  # PostgreSQL INTEGER, the type of every id column


class BoundedIntegerConverter(IntegerConverter):
    """`<int:x>` limited to what an INTEGER column can hold (route options may narrow it further)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 0, max: int | None = INT_MAX,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=INT_MAX if max is None else max, signed=signed)


def register_url_converters(app: Flask) -> None:
    """Must run before any route is registered: a rule binds its converter when it is added."""
    app.url_map.converters["int"] = BoundedIntegerConverter


def parse_int(text: Any, *, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """`text` as an int within [minimum, maximum], else None (plain ASCII digits only: no sign, no "١٢")."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):  # never ask int() for thousands of digits
        return None
    value = int(digits)
    return value if minimum <= value <= maximum else None


def carried_args(*names: str) -> dict[str, str]:
    """The list's own query arguments (filters, page) to carry into a form action or a redirect.

    Never `**request.args`: any other name would reach `url_for`, where `campaign_id=` clashes with
    the route's own argument (a 500) and `_external=`/`_scheme=` rewrite the address.
    """
    return {name: request.args[name] for name in names if request.args.get(name)}


def query_int(name: str, default: int | None = None, *, minimum: int = 0, maximum: int = INT_MAX,
              strict: bool = False, source: Mapping[str, Any] | None = None) -> int | None:
    """The integer argument `name` of the query string (or of `source`).

    Absent or empty: `default`. A whole number out of [minimum, maximum]: 404 (no such row can exist).
    Text that is not a whole number ("abc", "-1"): `default`, as a filter that does not apply, or
    404 when `strict` (an argument that names the one thing the page is about)."""
    raw = (request.args if source is None else source).get(name)
    text = "" if raw is None else str(raw).strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()):
        if strict:
            abort(404)
        return default
    value = parse_int(text, minimum=minimum, maximum=maximum)
    if value is None:
        abort(404)
    return value


def page_number(name: str = "page") -> int:
    """The requested page: at least 1, at most INT_MAX (a bigger one means "the last page")."""
    raw = str(request.args.get(name) or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    digits = raw.lstrip("0") or "0"
    return max(1, INT_MAX if len(digits) > len(str(INT_MAX)) else min(int(digits), INT_MAX))


def paginate(query, per_page: int | None = None, count_limit: int | None = None) -> Pagination:
    """`db.paginate` of `query` at `?page=`, the last page when the number is past it (one extra
    count and select only then).

    With `count_limit`, at most that many rows are counted (and paged through): `page.capped` says
    there are more. A word search matching half of 100,000 rows would otherwise read them all to
    print a number nobody pages through.
    """
    from dvkheo.extensions import db

    per_page = per_page or current_app.config["LIST_PAGE_SIZE"]

    def one(number: int) -> Pagination:
        if count_limit is None:
            return db.paginate(query, page=number, per_page=per_page, max_per_page=per_page, error_out=False)
        return CappedPagination(
            page=min(number, -(-count_limit // per_page)), per_page=per_page, max_per_page=per_page, error_out=False,
            count=True, select=query, session=db.session(), count_limit=count_limit,
        )

    page = one(page_number())
    if page.page > 1 and not page.items and page.pages:
        page = one(page.pages)
    return page


class CappedPagination(SelectPagination):
    """A page of a select whose count stops at `count_limit` (`capped` when it reached it).

    The count runs first: when the matches are many, the page is read by walking the select's order
    (its index) rather than through the word index, which would fetch every match to sort them.
    PostgreSQL cannot tell, as it cannot estimate how many rows a `LIKE '% word %'` matches.
    """

    def __init__(self, *, count_limit: int, **kwargs: Any) -> None:
        self.count_limit = count_limit
        self.capped = False
        self._total: int | None = None
        super().__init__(**kwargs)

    def _query_items(self) -> list[Any]:
        from sqlalchemy import text

        total = self._query_count()
        room = max(0, total - self._query_offset)
        if not room:
            return []
        session = self._query_args["session"]
        select = self._query_args["select"].limit(min(self.per_page, room)).offset(self._query_offset)
        walk_the_order = self.capped and session.get_bind().dialect.name == "postgresql"
        if walk_the_order:
            # No full sort either (a misestimate would read every recognised row and sort them), and no JIT,
            # which the planner's inflated cost estimate would otherwise switch on for a 1 ms walk.
            session.execute(text(
                "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; "
                "SET LOCAL enable_sort = off; SET LOCAL jit = off"
            ))
        try:
            return list(session.execute(select).unique().scalars())
        finally:
            if walk_the_order:
                session.execute(text(
                    "SET LOCAL enable_bitmapscan = DEFAULT; SET LOCAL enable_seqscan = DEFAULT; "
                    "SET LOCAL enable_sort = DEFAULT; SET LOCAL jit = DEFAULT"
                ))

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        from sqlalchemy import orm

        select = self._query_args["select"]
        first = select.options(orm.lazyload("*")).order_by(None).with_only_columns(literal(1), maintain_column_froms=True).limit(self.count_limit + 1)
        total = self._query_args["session"].execute(sa_select(func.count()).select_from(first.subquery())).scalar() or 0
        self.capped = total > self.count_limit
        self._total = min(total, self.count_limit)
        return self._total
