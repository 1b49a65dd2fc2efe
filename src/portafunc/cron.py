"""Cron schedules: one parser, three provider dialects.

A schedule is written once as 5-field Unix cron (``minute hour day-of-month month
day-of-week``), interpreted in UTC. :func:`parse` turns it into a :class:`Cron` of five
:class:`CronField`; each field keeps a normalised ``text`` and the expanded set of
``values`` it allows. The providers are then served from that one structure:

``Cron.unix()``
    Google Cloud Scheduler takes Unix cron as is: the five normalised fields.
``Cron.aws()``
    AWS EventBridge takes ``cron(m h dom mon dow year)``. Exactly one day field may be
    restricted; the other is ``?`` (if neither is, day-of-month is ``*`` and day-of-week
    ``?``). EventBridge numbers weekdays 1-7 from Sunday and has no steps in that
    field, so a restricted day-of-week is emitted from its value set as a list of
    numbers and ranges (``1-5`` becomes ``2-6``, ``*/2`` becomes ``1,3,5,7``).
``Cron.ncrontab()``
    Azure Functions take 6-field NCRONTAB: a ``0`` seconds field, then the five fields.

Unix cron runs a schedule whose day-of-month and day-of-week are both restricted on
days matching *either* (``0 0 1 * MON``: the 1st and every Monday). EventBridge cannot
express that and NCRONTAB would run only on days matching *both*, so ``aws()`` and
``ncrontab()`` raise :class:`~portafunc.errors.UnsupportedSchedule` for it.

Normalisation, and the decisions behind it:

* Month and weekday names become numbers; a weekday ``7`` (Sunday) becomes ``0``. A
  weekday range or step that reaches ``7`` is rewritten from its values, within 0-6.
* ``a/n`` becomes ``a-<last>/n`` (``5/15`` minutes is ``5-59/15``): Unix crons disagree
  on ``a/n`` (Vixie cron reads it as just ``a``), the explicit range means the same
  everywhere. For day-of-week the last value is 6 (Saturday).
* A field is *restricted* exactly when it excludes some value. A field that allows
  every value (``*/1``, ``0-59``, ``SUN-SAT``, ``1-31``) is unrestricted and written
  ``*``, so the day-of-month/day-of-week rule above follows from the normalised text
  alone. (Vixie cron instead looks at the first character: it treats ``*/2`` as
  unrestricted, portafunc treats it as restricted.)

:func:`parse` rejects a day-of-month that can never fall in the allowed months (``0 0
30 2 *``), so :meth:`Cron.next_after` always finds a next run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from ._value import Value
from .errors import UnsupportedSchedule

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["Cron", "CronField", "parse"]

_LAYOUT = "5-field Unix cron (minute hour day-of-month month day-of-week)"

_MACROS: Mapping[str, str] = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

# Why a provider cannot run a schedule whose two day fields are both restricted.
_EITHER_DAY: Mapping[str, str] = {
    "aws": "AWS EventBridge cannot express that (one day field must be '?')",
    "azure": "Azure NCRONTAB would run only on days matching both (AND)",
}

# The longest each month can be, leap years included.
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class _Spec(NamedTuple):
    """What one field accepts: ``low``-``high`` as written, ``low``-``last`` once normalised."""

    name: str
    low: int
    high: int
    last: int
    names: Mapping[str, int] = MappingProxyType({})
    noun: str = ""

    def canonical(self, value: int) -> int:
        return value if value <= self.last else self.low  # weekday 7 is Sunday, 0


_SPECS = (
    _Spec("minute", 0, 59, 59),
    _Spec("hour", 0, 23, 23),
    _Spec("day-of-month", 1, 31, 31),
    _Spec("month", 1, 12, 12, {n: i for i, n in enumerate(_MONTHS, 1)}, "month"),
    _Spec("day-of-week", 0, 7, 6, {n: i for i, n in enumerate(_WEEKDAYS)}, "weekday"),
)


class CronField(Value):
    """One field of a schedule.

    ``text`` is the field normalised (see the module docstring), ``values`` every value
    it allows (weekdays 0-6, Sunday 0), and ``restricted`` is False exactly when it
    allows every value, in which case ``text`` is ``*``.
    """

    __slots__ = ("restricted", "text", "values")
    text: str
    values: frozenset[int]
    restricted: bool

    def __init__(self, text: str, values: frozenset[int], restricted: bool) -> None:
        self._init(text=text, values=values, restricted=restricted)


class Cron(Value):
    """A parsed 5-field Unix cron schedule, in UTC."""

    __slots__ = ("day_of_month", "day_of_week", "expression", "hour", "minute", "month")
    expression: str
    minute: CronField
    hour: CronField
    day_of_month: CronField
    month: CronField
    day_of_week: CronField

    def __init__(
        self,
        expression: str,
        minute: CronField,
        hour: CronField,
        day_of_month: CronField,
        month: CronField,
        day_of_week: CronField,
    ) -> None:
        self._init(
            expression=expression,
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month=month,
            day_of_week=day_of_week,
        )

    @property
    def fields(self) -> tuple[CronField, CronField, CronField, CronField, CronField]:
        """The five fields, in the order they are written."""
        return (self.minute, self.hour, self.day_of_month, self.month, self.day_of_week)

    def unix(self) -> str:
        """The normalised 5-field expression, as Google Cloud Scheduler takes it."""
        return " ".join(f.text for f in self.fields)

    def aws(self) -> str:
        """The AWS EventBridge ``cron(...)`` expression."""
        self._refuse_either_day("aws")
        minute, hour, day, month = (
            _aws_steps(f.text, low)
            for f, low in (
                (self.minute, 0),
                (self.hour, 0),
                (self.day_of_month, 1),
                (self.month, 1),
            )
        )
        if self.day_of_week.restricted:
            days = f"? {month} {_compact(v + 1 for v in self.day_of_week.values)}"
        else:
            days = f"{day} {month} ?"
        return f"cron({minute} {hour} {days} *)"

    def ncrontab(self) -> str:
        """The Azure Functions 6-field NCRONTAB expression (seconds first)."""
        self._refuse_either_day("azure")
        return f"0 {self.unix()}"

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after ``moment`` (timezone-aware), in UTC."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"next_after() needs a timezone-aware datetime, got {moment!r}")
        start = moment.astimezone(timezone.utc).replace(second=0, microsecond=0)
        start += timedelta(minutes=1)
        try:
            return self._first_run_from(start)
        except (OverflowError, ValueError):
            late = f"{self.expression!r} does not run after {moment} before year 10000"
            raise ValueError(late) from None

    def _first_run_from(self, start: datetime) -> datetime:
        day, earliest = start.date(), start.time()
        while True:  # ends: parse() refused day-of-month/month pairs that never occur
            if day.month not in self.month.values:
                day, earliest = _first_of_next_month(day), time()
                continue
            at = self._first_time_from(earliest) if self._runs_on(day) else None
            if at is not None:
                return datetime.combine(day, at, tzinfo=timezone.utc)
            day, earliest = day + timedelta(days=1), time()

    def _runs_on(self, day: date) -> bool:
        by_date = day.day in self.day_of_month.values
        by_weekday = day.isoweekday() % 7 in self.day_of_week.values
        if self.day_of_month.restricted and self.day_of_week.restricted:
            return by_date or by_weekday
        return by_date and by_weekday

    def _first_time_from(self, earliest: time) -> time | None:
        minutes = sorted(self.minute.values)
        for hour in sorted(h for h in self.hour.values if h >= earliest.hour):
            floor = earliest.minute if hour == earliest.hour else 0
            minute = next((m for m in minutes if m >= floor), None)
            if minute is not None:
                return time(hour, minute)
        return None

    def _refuse_either_day(self, provider: str) -> None:
        if not (self.day_of_month.restricted and self.day_of_week.restricted):
            return
        reason = (
            f"day-of-month {self.day_of_month.text!r} and day-of-week "
            f"{self.day_of_week.text!r} are both restricted, and Unix cron runs on days "
            f"matching either (OR); {_EITHER_DAY[provider]}. Split it into two functions, "
            "one scheduled by day-of-month and one by day-of-week"
        )
        raise UnsupportedSchedule(self.expression, reason, provider=provider)


class _Invalid(Exception):
    """A reason a field is malformed, turned into UnsupportedSchedule by parse()."""


def parse(expression: str) -> Cron:
    """Parse 5-field Unix cron (or an ``@`` macro); raise UnsupportedSchedule if invalid."""
    parts = _split(expression)
    fields: list[CronField] = []
    for text, spec in zip(parts, _SPECS, strict=True):
        try:
            fields.append(_parse_field(text, spec))
        except _Invalid as invalid:
            reason = f"{spec.name} field {text!r}: {invalid}"
            raise UnsupportedSchedule(expression, reason) from None
    cron = Cron(expression, *fields)
    _refuse_never(cron)
    return cron


def _split(expression: str) -> list[str]:
    stripped = expression.strip()
    if not stripped:
        raise UnsupportedSchedule(expression, f"empty schedule; expected {_LAYOUT}")
    if stripped.startswith("@"):
        macro = _MACROS.get(stripped.lower())
        if macro is None:
            known = ", ".join(_MACROS)
            reason = f"unknown macro {stripped!r}; portafunc supports {known}"
            raise UnsupportedSchedule(expression, reason)
        return macro.split()
    if stripped.lower().startswith(("cron(", "rate(")):
        reason = f"AWS schedule syntax is not accepted; portafunc schedules are {_LAYOUT}"
        raise UnsupportedSchedule(expression, reason)
    parts = stripped.split()
    if len(parts) != len(_SPECS):
        given = f"{len(parts)} field{'s' if len(parts) != 1 else ''} given"
        raise UnsupportedSchedule(expression, f"{given}; portafunc schedules are {_LAYOUT}")
    return parts


def _parse_field(text: str, spec: _Spec) -> CronField:
    items = [_parse_item(item, spec) for item in text.split(",")]
    values = frozenset(v for _, item_values in items for v in item_values)
    if values == frozenset(range(spec.low, spec.last + 1)):
        return CronField("*", values, restricted=False)
    text = ",".join(dict.fromkeys(item_text for item_text, _ in items))  # 0,7 is 0
    return CronField(text, values, restricted=True)


def _parse_item(item: str, spec: _Spec) -> tuple[str, frozenset[int]]:
    """One comma-separated item: its normalised text and its values (canonical)."""
    base, slash, step_text = item.partition("/")
    step = _step(step_text) if slash else 1
    if base == "*":
        first, last = spec.low, spec.last
    elif "-" in base:
        first, last = _range(base, spec)
    else:
        first = _value(base, spec)
        last = max(spec.last, first) if slash else first
    written = frozenset(range(first, last + 1, step))
    values = frozenset(spec.canonical(v) for v in written)
    suffix = f"/{step}" if step != 1 else ""
    if base == "*":
        return f"*{suffix}", values
    if last > spec.last:  # a weekday range or step reaching 7: rewrite within 0-6
        return _compact(values), values
    if first == last:
        return str(first), values
    return f"{first}-{last}{suffix}", values


def _step(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise _Invalid(f"step {text!r} is not a whole number")
    step = int(text)
    if step < 1:
        raise _Invalid(f"step {step} must be at least 1")
    return step


def _range(text: str, spec: _Spec) -> tuple[int, int]:
    parts = text.split("-")
    if len(parts) != 2 or not all(parts):
        raise _Invalid(f"{text!r} is not a range a-b")
    first, last = _value(parts[0], spec), _value(parts[1], spec)
    if first > last:
        raise _Invalid(f"range {text!r} is reversed; ranges that wrap around are not supported")
    return first, last


def _value(token: str, spec: _Spec) -> int:
    if token.isascii() and token.isdigit():
        value = int(token)
    elif token.upper() in spec.names:
        value = spec.names[token.upper()]
    else:
        raise _Invalid(_explain(token, spec))
    if not spec.low <= value <= spec.high:
        raise _Invalid(f"{value} is out of range {spec.low}-{spec.high}")
    return value


def _explain(token: str, spec: _Spec) -> str:
    """Why ``token`` is not a value, naming Quartz/AWS extensions Unix cron lacks."""
    upper = token.upper()
    if not token:
        return "empty value (stray ',', '-' or '/')"
    if token == "?":
        return "'?' is AWS/Quartz syntax, not Unix cron; use '*'"
    if "#" in token:
        return "'#' (nth weekday of the month) is AWS/Quartz syntax, not Unix cron"
    if upper in ("L", "LW") or (upper.endswith("L") and upper[:-1].isdigit()):
        return "'L' (last day) is AWS/Quartz syntax, not Unix cron"
    if upper.endswith("W") and upper[:-1].isdigit():
        return "'W' (nearest weekday) is AWS/Quartz syntax, not Unix cron"
    if spec.names:
        names = list(spec.names)
        return f"{token!r} is not a number or a {spec.noun} name ({names[0]}-{names[-1]})"
    return f"{token!r} is not a number"


def _refuse_never(cron: Cron) -> None:
    """Refuse a day-of-month that never falls in any allowed month (no weekday to OR)."""
    if cron.day_of_week.restricted or not cron.day_of_month.restricted:
        return
    first_day = min(cron.day_of_month.values)
    if any(first_day <= _MONTH_DAYS[month - 1] for month in cron.month.values):
        return
    reason = (
        f"day-of-month {cron.day_of_month.text!r} never occurs in month "
        f"{cron.month.text!r}, so the schedule would never run"
    )
    raise UnsupportedSchedule(cron.expression, reason)


def _compact(values: Iterable[int]) -> str:
    """Sorted values as a list, runs of three or more as ranges: ``1,3-6``."""
    runs: list[list[int]] = []
    for value in sorted(set(values)):
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    parts = (f"{r[0]}-{r[-1]}" if len(r) >= 3 else ",".join(map(str, r)) for r in runs)
    return ",".join(parts)


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _aws_steps(text: str, low: int) -> str:
    """``*/n`` written as AWS documents it, ``low/n`` (``0/5`` for every fifth minute)."""
    return ",".join(
        f"{low}/{part[2:]}" if part.startswith("*/") else part for part in text.split(",")
    )
