"""A toy translation corpus: dates written many ways → ISO ``YYYY-MM-DD``.

What a user gets: :func:`date_pairs` makes ``n`` seeded pairs such as ``("3rd of March 1999", "1999-03-03")``,
``("March 3, '99", "1999-03-03")``, ``("03/03/1999", ...)``, ``("1999.3.3", ...)`` or ``("Wednesday, 3 March
1999", ...)`` (dates from 1950 to 2049; a two-digit year ``'99`` means 1999, ``'05`` 2005). The classic
first exercise for attention: the model must learn to reorder and rewrite the fields.
"""

from __future__ import annotations

import datetime as dt
import random

__all__ = ["FORMATS", "date_pairs", "render"]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _fields(d: dt.date) -> dict[str, str]:
    month = MONTHS[d.month - 1]
    return {"d": str(d.day), "dd": f"{d.day:02d}", "m": str(d.month), "mm": f"{d.month:02d}", "month": month,
            "mon": month[:3], "yyyy": str(d.year), "yy": f"'{d.year % 100:02d}", "ord": _ordinal(d.day),
            "weekday": DAYS[d.weekday()]}


#: the ways a date is written (str.format templates over the fields of :func:`_fields`)
FORMATS = (
    "{ord} of {month} {yyyy}", "{month} {d}, {yy}", "{mm}/{dd}/{yyyy}", "{yyyy}.{m}.{d}",
    "{weekday}, {d} {month} {yyyy}", "{d} {month} {yyyy}", "{month} {d}, {yyyy}", "{d} {mon} {yyyy}",
    "{mon} {d} {yyyy}", "{dd}.{mm}.{yyyy}", "{weekday} {month} {ord}, {yyyy}", "{ord} {month} {yy}",
    "{yyyy}/{mm}/{dd}", "{d}-{mon}-{yyyy}",
)


def render(d: dt.date, fmt: str) -> str:
    """``d`` written with the template ``fmt`` (one of :data:`FORMATS`), lower-cased half the time by the
    generator."""
    return fmt.format(**_fields(d))


def date_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` seeded ``(written date, ISO date)`` pairs, dates uniform from 1950-01-01 to 2049-12-31."""
    rng = random.Random(seed)
    first, span = dt.date(1950, 1, 1).toordinal(), (dt.date(2049, 12, 31) - dt.date(1950, 1, 1)).days
    pairs = []
    for _ in range(n):
        d = dt.date.fromordinal(first + rng.randint(0, span))
        text = render(d, rng.choice(FORMATS))
        pairs.append((text.lower() if rng.random() < 0.3 else text, d.isoformat()))
    return pairs
