"""Find quantities in free text and normalise them: durations, times of day, sizes, counts.

Number words are turned into digits with text2num first. Units come from a fixed table
rather than pint: building a pint registry costs about half a second of CPU at start-up,
and the analyst only compares the handful of dimensions below.
"""

from __future__ import annotations

import re
from functools import lru_cache

from text_to_num import alpha2digit

from elicitor.session.state import Quantity

_DURATION_UNITS: dict[str, float] = {
    "ms": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "msec": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
    "week": 604800,
    "weeks": 604800,
    "month": 2629800,
    "months": 2629800,
    "year": 31557600,
    "years": 31557600,
}
_SIZE_UNITS: dict[str, float] = {
    "b": 1,
    "byte": 1,
    "bytes": 1,
    "kb": 1e3,
    "kib": 1024,
    "mb": 1e6,
    "mib": 1024**2,
    "gb": 1e9,
    "gib": 1024**3,
    "tb": 1e12,
    "tib": 1024**4,
}
# Nouns after a bare number that make it a count worth comparing.
_COUNT_NOUNS = (
    "users",
    "user",
    "people",
    "customers",
    "records",
    "rows",
    "requests",
    "servers",
    "instances",
    "hosts",
    "nodes",
    "projects",
    "comments",
    "files",
    "folders",
    "items",
    "errors",
    "messages",
    "times",
    "attempts",
    "retries",
    "connections",
    "pods",
    "accesses",
    "devices",
    "machines",
    "tickets",
    "events",
    "entries",
    "steps",
    "chunks",
    "lines",
)
_APPROX = re.compile(
    r"\b(about|around|roughly|approximately|approx\.?|nearly|almost|maybe|some|"
    r"or so|ish|a bit (?:after|before|over|under)|just (?:after|before|over|under)|~)\s*$",
    re.IGNORECASE,
)
# A clock reading without am/pm or a 24-hour value: "ten past eleven" may be 11:10 or 23:10.
_TWELVE_HOUR = "h12"
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_SMALL_WORDS = {
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "half a": 0.5,
    "half an": 0.5,
    "a couple of": 2.0,
    "a few": 3.0,
    "two": 2.0,
}

_TIME_OF_DAY = re.compile(
    r"(?<![\d.:])(\d{1,2})[:.](\d{2})(?::\d{2})?\s*(a\.?m\.?|p\.?m\.?)?(?![\d:])"
    r"|(?<![\d.:])(\d{1,2})\s*(a\.?m\.?|p\.?m\.?)(?![a-z])",
    re.IGNORECASE,
)
_PAST_TO = re.compile(
    r"(?<![\d:.])\b(\d{1,2}|quarter|half)\s+(past|to|after)\s+"
    r"(?:(\d{1,2})\b(?![:.]\d)(?:\s*(a\.?m\.?|p\.?m\.?))?"
    r"|(midnight|noon|midday)\b)(?!\s*(?:%|percent|\w+s\b))",
    re.IGNORECASE,
)
# "at midnight", "around noon": the two clock readings that need no am/pm.
_NAMED_HOUR = re.compile(r"\b(midnight|noon|midday)\b", re.IGNORECASE)
_NAMED_HOURS = {"midnight": 0, "noon": 12, "midday": 12}
_AFTER_HOUR = re.compile(
    r"\b(?:a bit |just |shortly |right |some time |sometime )?(after|before|around|about|at)\s+"
    r"(\d{1,2})(?:\s*o'?clock)?\b(?![:.\d%]|,\d)(?!\s*(?:\w+s\b|percent|x\b|times\b))",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"(?:"
    + _NUMBER
    + r"|(half an?|a couple of|a few|an?|one|two))\s*-?\s*("
    + "|".join(sorted(_DURATION_UNITS, key=len, reverse=True))
    + r")\b(?:\s+and\s+a\s+half)?",
    re.IGNORECASE,
)
_SIZE = re.compile(
    _NUMBER + r"\s*(" + "|".join(sorted(_SIZE_UNITS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(_NUMBER + r"\s*(%|percent\b)", re.IGNORECASE)
_COUNT = re.compile(_NUMBER + r"\s+(?:\w+\s+)?(" + "|".join(_COUNT_NOUNS) + r")\b", re.IGNORECASE)
_VERSION = re.compile(
    r"\b(?:v|version\s+|build\s+)?\d+\.\d+(?:\.\d+)+\b|\b(?:version|build|v)\s*\d+(?:\.\d+)?\b",
    re.IGNORECASE,
)


def _to_float(text: str) -> float:
    return float(text.replace(",", ""))


@lru_cache(maxsize=4096)
def _digits(text: str) -> str:
    try:
        return str(alpha2digit(text, "en", threshold=2))
    except Exception:  # text2num raises on some odd inputs; the raw text is still usable
        return text


def _approximate(prefix: str) -> bool:
    return bool(_APPROX.search(prefix[-24:]))


def find_quantities(text: str) -> list[Quantity]:
    """Return every quantity in ``text``, with a base value per dimension.

    Bases: seconds for ``duration``, minutes after midnight for ``time_of_day``, bytes for
    ``data_size``, the plain number for ``percent`` and ``count``.
    """
    converted = _digits(text)
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], quantity: Quantity) -> None:
        span = match.span()
        if any(span[0] < end and start < span[1] for start, end in taken):
            return
        taken.append(span)
        found.append(quantity)

    for match in _VERSION.finditer(converted):
        taken.append(match.span())
    _find_times(converted, add)
    _find_durations(converted, add)
    for match in _SIZE.finditer(converted):
        value = _to_float(match.group(1))
        unit = match.group(2).lower()
        prefix = converted[: match.start()]
        add(
            match,
            Quantity(
                match.group(0),
                value,
                unit,
                "data_size",
                value * _SIZE_UNITS[unit],
                _approximate(prefix),
            ),
        )
    for match in _PERCENT.finditer(converted):
        value = _to_float(match.group(1))
        add(
            match,
            Quantity(
                match.group(0),
                value,
                "%",
                "percent",
                value,
                _approximate(converted[: match.start()]),
            ),
        )
    for match in _COUNT.finditer(converted):
        value = _to_float(match.group(1))
        noun = match.group(2).lower().rstrip("s") or match.group(2).lower()
        add(
            match,
            Quantity(
                match.group(0),
                value,
                noun,
                f"count:{noun}",
                value,
                _approximate(converted[: match.start()]),
            ),
        )
    found.sort(key=lambda q: converted.find(q.text))
    found.extend(_projections(converted, found))
    return found


_GROWTH = re.compile(
    r"\b(?:grow|increase|rise|go up|multiply)\w*\s+(?:by\s+)?(?:about\s+)?"
    r"(\d+|two|three|four|five|six|seven|eight|nine|ten)[- ]?(?:fold|times)\b"
    r"|\b(double|triple|quadruple)s?d?\b",
    re.IGNORECASE,
)
_FACTORS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "double": 2,
    "triple": 3,
    "quadruple": 4,
}


def _projections(text: str, found: list[Quantity]) -> list[Quantity]:
    """Add the projected count when a claim says it will grow N-fold ("1000 users, five-fold")."""
    match = _GROWTH.search(text)
    counts = [q for q in found if q.dimension.startswith("count:")]
    if match is None or not counts:
        return []
    word = (match.group(1) or match.group(2)).lower()
    factor = float(_FACTORS.get(word, word if word.isdigit() else 1))
    base = counts[0]
    return [
        Quantity(
            match.group(0),
            base.value * factor,
            base.unit,
            base.dimension,
            base.base_value * factor,
            approximate=True,
            expected=True,
        )
    ]


def _find_times(converted: str, add: object) -> None:
    # Readings around an hour first, so "ten to 11 pm" is not read as "11 pm".
    for match in _PAST_TO.finditer(converted):
        _add_past_to(match, add)
    for match in _NAMED_HOUR.finditer(converted):
        minutes = _NAMED_HOURS[match.group(1).lower()] * 60
        quantity = Quantity(
            match.group(0),
            minutes,
            "hh:mm",
            "time_of_day",
            minutes,
            _approximate(converted[: match.start()]),
        )
        add(match, quantity)  # type: ignore[operator]
    for match in _TIME_OF_DAY.finditer(converted):
        if match.group(1) is not None:
            hour, minute, meridiem = int(match.group(1)), int(match.group(2)), match.group(3)
        else:
            hour, minute, meridiem = int(match.group(4)), 0, match.group(5)
        minutes = _clock_minutes(hour, minute, meridiem)
        if minutes is None:
            continue
        # "02:07" with its leading zero is written on a 24-hour clock.
        zero_padded = match.group(1) is not None and match.group(1).startswith("0")
        unit = "hh:mm" if meridiem or hour > 12 or hour == 0 or zero_padded else _TWELVE_HOUR
        add(
            match,
            Quantity(
                match.group(0).strip(),
                minutes,
                unit,
                "time_of_day",
                minutes,  # type: ignore[operator]
                _approximate(converted[: match.start()]),
            ),
        )
    for match in _AFTER_HOUR.finditer(converted):
        hour = int(match.group(2))
        if hour > 24:
            continue
        relation = match.group(1).lower()
        if relation == "at" and not re.search(r"o'?clock", match.group(0)):
            continue
        unit = "hh:mm" if hour > 12 or hour == 0 else _TWELVE_HOUR
        add(
            match,
            Quantity(
                match.group(0),
                hour * 60,
                unit,
                "time_of_day",
                hour * 60,  # type: ignore[operator]
                relation != "at",
            ),
        )


def _find_durations(converted: str, add: object) -> None:
    for match in _DURATION.finditer(converted):
        unit = match.group(3).lower()
        if match.group(1):
            value = _to_float(match.group(1))
        else:
            value = _SMALL_WORDS.get(match.group(2).lower(), 1.0)
        if match.group(0).lower().rstrip().endswith("and a half"):
            value += 0.5
        if unit in ("s", "h", "min") and not match.group(1):
            continue
        if unit in (
            "month",
            "months",
            "year",
            "years",
            "week",
            "weeks",
            "day",
            "days",
        ) and re.match(r"\s*(ago|later|earlier)\b", converted[match.end() :]):
            continue
        add(
            match,
            Quantity(
                match.group(0),
                value,
                unit,
                "duration",
                value * _DURATION_UNITS[unit],  # type: ignore[operator]
                _approximate(converted[: match.start()]),
            ),
        )


def _add_past_to(match: re.Match[str], add: object) -> None:
    """Add "ten past eleven", "quarter to 11 pm" or "twenty to midnight"."""
    amount_text, relation = match.group(1).lower(), match.group(2).lower()
    amount = {"quarter": 15, "half": 30}.get(amount_text)
    amount = amount if amount is not None else int(amount_text)
    named, meridiem = match.group(5), match.group(4)
    hour = _NAMED_HOURS[named.lower()] if named else int(match.group(3))
    if amount >= 60:
        return
    start = _clock_minutes(hour, 0, meridiem)
    if start is None:
        return
    if named == "midnight" and relation == "to":
        start = 1440
    minutes = start + (amount if relation in ("past", "after") else -amount)
    unit = "hh:mm" if named or meridiem else _TWELVE_HOUR
    quantity = Quantity(match.group(0), minutes % 1440, unit, "time_of_day", minutes % 1440, True)
    add(match, quantity)  # type: ignore[operator]


def _clock_minutes(hour: int, minute: int, meridiem: str | None) -> int | None:
    if minute >= 60 or hour > 24:
        return None
    if meridiem:
        if hour > 12 or hour == 0:
            return None
        is_pm = meridiem.lower().startswith("p")
        hour = hour % 12 + (12 if is_pm else 0)
    return (hour % 24) * 60 + minute


def capacity_gap(a: list[Quantity], b: list[Quantity]) -> str | None:
    """Name a stated count that falls short of a projected one in the other claim."""
    for projected_side, other_side in ((a, b), (b, a)):
        if any(q.expected for q in other_side):
            continue
        for projected in (q for q in projected_side if q.expected):
            for stated in other_side:
                if stated.dimension == projected.dimension and (
                    stated.base_value < 0.8 * projected.base_value
                ):
                    return (
                        f"{format_quantity(stated)} stated, about {projected.value:g} "
                        f"{projected.unit}s expected"
                    )
    return None


def same_value(a: Quantity, b: Quantity) -> bool:
    """Tell whether two quantities of one dimension agree, allowing for rounding."""
    if a.dimension != b.dimension:
        return False
    if a.dimension == "time_of_day":
        period = 720 if _TWELVE_HOUR in (a.unit, b.unit) else 1440
        gap = abs(a.base_value - b.base_value) % period
        gap = min(gap, period - gap)
        # Two readings of a clock are the same when within 5 minutes; "a bit after 7" and
        # "7:03" agree, "23:00" and "23:27" do not.
        return gap <= 5 or (a.approximate and b.approximate and gap <= 10)
    low, high = sorted((a.base_value, b.base_value))
    if high == 0:
        return True
    tolerance = 0.2 if (a.approximate or b.approximate) else 0.05
    return (high - low) / high <= tolerance


def format_quantity(quantity: Quantity) -> str:
    if quantity.dimension == "time_of_day":
        minutes = int(quantity.base_value) % 1440
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return quantity.text
