"""Field checks: each turns a whole column of CSV text into values, naming the rows it refuses.

A check takes the column's values, already stripped of surrounding whitespace, as an Arrow
string array and returns a :class:`Checked`: the converted values (anything at a refused
row) and its :class:`Failure` tests in the order they apply. A row is refused for the first
failing test of the first failing column, as if each value were converted on its own.

Digits are ASCII digits (0-9) throughout: a personal ID, date or code written with other
Unicode digits is refused.

Output types: text as strings; dates as ISO strings ``YYYY-MM-DD``; timestamps as
``YYYY-MM-DD HH:MM:SS[.ffffff]`` (both backends parse these, and SQLite stores them as the
standard library's adapters do); flags as booleans; codes as integers. Multi-part values
(a partial date, a card number) are struct arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from sokhoe.insurance.card_number import InvalidCardNumber, split_card_number

Mask = npt.NDArray[np.bool_]
Params = Callable[[str], dict[str, object]]


def _no_params(_value: str) -> dict[str, object]:
    return {}


def _value_param(value: str) -> dict[str, object]:
    return {"value": value}


@dataclass(frozen=True, slots=True)
class Failure:
    """One test of a check: the rows failing it, the problem code and its parameters."""

    code: str
    mask: Mask
    #: Parameters of the message, from the refused (stripped) value.
    params: Params = field(default=_no_params)


@dataclass(frozen=True, slots=True)
class Checked:
    values: pa.Array
    failures: tuple[Failure, ...] = ()


Check = Callable[[pa.StringArray], Checked]

#: Characters Python's ``str.strip()`` removes (``str.isspace``), so stripping is unchanged.
WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def strip(values: pa.StringArray) -> pa.StringArray:
    return pc.utf8_trim(values, characters=WHITESPACE)


def _bools(array: pa.BooleanArray) -> Mask:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.bool_)


def _matches(values: pa.StringArray, pattern: str) -> Mask:
    return _bools(pc.match_substring_regex(values, pattern))


def _empty(values: pa.StringArray) -> Mask:
    return _bools(pc.equal(pc.binary_length(values), 0))


def _null_where(mask: Mask, values: pa.Array) -> pa.Array:
    if not mask.any():
        return values
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)


def _ints(values: pa.StringArray, valid: Mask, start: int, stop: int) -> npt.NDArray[np.int64]:
    """``int(value[start:stop])`` where ``valid`` (those slices are ASCII digits), else 0."""
    digits = pc.utf8_slice_codeunits(values, start, stop)
    safe = pc.if_else(pa.array(valid), digits, "0")
    return np.asarray(pc.cast(safe, pa.int64()).to_numpy(), dtype=np.int64)


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _real_date(
    year: npt.NDArray[np.int64], month: npt.NDArray[np.int64], day: npt.NDArray[np.int64]
) -> Mask:
    """Whether each (year, month, day) is a day of the proleptic Gregorian calendar."""
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    days = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    return np.asarray((year >= 1) & month_ok & (day >= 1) & (day <= days), dtype=np.bool_)


# --- text ---------------------------------------------------------------------------------


def text(limit: int, *, required: bool = True) -> Check:
    """Any text up to ``limit`` characters; empty is refused, or read as NULL if optional."""

    def too_long(_value: str) -> dict[str, object]:
        return {"limit": limit}

    def check(values: pa.StringArray) -> Checked:
        empty = _empty(values)
        long = _bools(pc.greater(pc.utf8_length(values), limit))
        failures = (Failure("too_long", long, too_long),)
        if required:
            return Checked(values, (Failure("required", empty), *failures))
        return Checked(_null_where(empty, values), failures)

    return check


# --- identifiers --------------------------------------------------------------------------


def person_id(values: pa.StringArray) -> Checked:
    """A 12-digit personal identification number."""
    bad = ~_matches(values, r"^[0-9]{12}$")
    return Checked(values, (Failure("bad_person_id", bad, _value_param),))


def person_id_as_given(values: pa.StringArray) -> Checked:
    """A person ID on another agency's record: may be empty or wrong, but must be digits."""
    empty = _empty(values)
    bad = ~empty & ~_matches(values, r"^[0-9]{1,12}$")
    return Checked(_null_where(empty, values), (Failure("bad_person_id", bad, _value_param),))


def facility_code(values: pa.StringArray) -> Checked:
    """A 5-character MA_CSKCB, or empty."""
    empty = _empty(values)
    bad = ~empty & _bools(pc.not_equal(pc.utf8_length(values), 5))
    return Checked(_null_where(empty, values), (Failure("bad_facility_code", bad, _value_param),))


def _codes(values: pa.StringArray) -> tuple[Mask, pa.Int64Array]:
    """(is a decimal number, its value or 0): leading zeros allowed, as ``int()`` reads."""
    digits = _matches(values, r"^[0-9]+$")
    significant = pc.utf8_ltrim(values, characters="0")
    # More than 18 significant digits cannot be a code and would not fit in 64 bits.
    small = digits & _bools(pc.less_equal(pc.binary_length(significant), 18))
    safe = pc.if_else(pa.array(small & ~_empty(significant)), significant, "0")
    return small, pc.cast(safe, pa.int64())


def commune(known: Collection[int]) -> Check:
    """A commune code among ``known`` (required)."""
    known_codes = pa.array(sorted(known), pa.int64())

    def check(values: pa.StringArray) -> Checked:
        number, codes = _codes(values)
        unknown = ~(number & _bools(pc.is_in(codes, value_set=known_codes)))
        empty = _empty(values)
        return Checked(
            codes,
            (Failure("required", empty), Failure("unknown_commune", unknown, _value_param)),
        )

    return check


def optional_code(values: pa.StringArray) -> Checked:
    """A commune code kept as given (even if no longer a unit), or empty: digits only."""
    empty = _empty(values)
    number, codes = _codes(values)
    # The column is a 32-bit integer: a longer number is no commune code either.
    bad = ~empty & ~(number & _bools(pc.less(codes, 2**31)))
    return Checked(_null_where(empty, codes), (Failure("unknown_commune", bad, _value_param),))


# --- enumerations -------------------------------------------------------------------------


def sex(values: pa.StringArray) -> Checked:
    """M, F, or empty (NULL)."""
    bad = ~_bools(pc.is_in(values, value_set=pa.array(["M", "F", ""])))
    return Checked(_null_where(_empty(values), values), (Failure("bad_sex", bad),))


def flag(values: pa.StringArray) -> Checked:
    """0 or 1, as a boolean."""
    bad = ~_bools(pc.is_in(values, value_set=pa.array(["0", "1"])))
    return Checked(pc.equal(values, "1"), (Failure("bad_flag", bad),))


# --- dates --------------------------------------------------------------------------------

PARTIAL_DATE = pa.struct([("date", pa.string()), ("precision", pa.string())])


def _partial_dates(values: pa.StringArray) -> tuple[Mask, Mask, pa.StringArray, pa.Array]:
    """(empty, invalid, ISO date with missing parts as 01, precision) of each value."""
    empty = _empty(values)
    shaped = _matches(values, r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
    # "1990-11" → "1990-11-01", "1948" → "1948-01-01", "1985-03-09" unchanged.
    iso = pc.utf8_slice_codeunits(pc.binary_join_element_wise(values, "-01-01", ""), 0, 10)
    year, month, day = (_ints(iso, shaped, a, a + n) for a, n in ((0, 4), (5, 2), (8, 2)))
    invalid = ~empty & ~(shaped & _real_date(year, month, day))
    length = pc.binary_length(values)
    precision = pc.if_else(
        pc.equal(length, 10), "day", pc.if_else(pc.equal(length, 7), "month", "year")
    )
    return empty, invalid, iso, precision


def partial_date(values: pa.StringArray) -> Checked:
    """YYYY-MM-DD, YYYY-MM or YYYY (or empty): struct of ISO date and its precision."""
    empty, invalid, iso, precision = _partial_dates(values)
    struct = pa.StructArray.from_arrays(
        [iso, precision], fields=list(PARTIAL_DATE), mask=pa.array(empty)
    )
    return Checked(struct, (Failure("bad_date", invalid, _value_param),))


def full_date(values: pa.StringArray) -> Checked:
    """YYYY-MM-DD (or empty) as an ISO date string."""
    empty, invalid, iso, _precision = _partial_dates(values)
    partial = _bools(pc.not_equal(pc.binary_length(values), 10))
    bad = invalid | (~empty & partial)
    return Checked(_null_where(empty, iso), (Failure("bad_date", bad, _value_param),))


_TIMESTAMP = (
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[T ](?P<hour>[0-9]{2})(?::(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?)?)?$"
)


def timestamp(values: pa.StringArray) -> Checked:
    """An ISO 8601 date and local time: ``YYYY-MM-DD`` then ``T`` or a space and ``HH``,
    ``HH:MM``, ``HH:MM:SS`` or ``HH:MM:SS.ffffff`` (a time zone is refused); or empty.

    The value is the standard ``str(datetime)`` form; fractions beyond microseconds are cut.
    """
    empty = _empty(values)
    shaped = _matches(values, _TIMESTAMP)
    parts = pc.extract_regex(pc.if_else(pa.array(shaped), values, "0001-01-01"), _TIMESTAMP)
    date, hour, minute, second, fraction = (pc.struct_field(parts, [i]) for i in range(5))
    hour, minute, second = (pc.if_else(pc.equal(p, ""), "00", p) for p in (hour, minute, second))
    clock = [
        np.asarray(pc.cast(p, pa.int64()).to_numpy(), dtype=np.int64)
        for p in (hour, minute, second)
    ]
    year, month, day = (_ints(date, shaped, a, a + n) for a, n in ((0, 4), (5, 2), (8, 2)))
    real = _real_date(year, month, day) & (clock[0] <= 23) & (clock[1] <= 59) & (clock[2] <= 59)
    micro = pc.utf8_rpad(pc.utf8_slice_codeunits(fraction, 0, 6), 6, "0")
    dot_micro = pc.if_else(
        pc.equal(micro, "000000"), "", pc.binary_join_element_wise(".", micro, "")
    )
    value = pc.binary_join_element_wise(date, " ", hour, ":", minute, ":", second, dot_micro, "")
    bad = ~empty & ~(shaped & real)
    return Checked(_null_where(empty, value), (Failure("bad_datetime", bad, _value_param),))


# --- card numbers -------------------------------------------------------------------------

CARD_NUMBER = pa.struct(
    [
        ("text", pa.string()),
        ("bhxh_number", pa.string()),
        ("group", pa.string()),
        ("level", pa.int16()),
    ]
)


def _card_reason(value: str) -> dict[str, object]:
    """The reason :func:`split_card_number` gives (non-ASCII letters shown as '?')."""
    try:
        split_card_number(value.encode("ascii", "replace").decode("ascii"))
    except InvalidCardNumber as exc:
        return {"reason": str(exc)}
    return {"reason": value}  # pragma: no cover - every refused value fails there too


def card_number(values: pa.StringArray) -> Checked:
    """A BHYT card number, checked for shape only (as :func:`split_card_number`): the
    15-character code, a 10-digit BHXH number or a 12-digit personal ID, spaces and lower
    case tolerated. An unknown group or a level that does not fit is kept, since finding
    such cards is reconciliation's job."""
    normal = pc.utf8_upper(pc.replace_substring(values, " ", ""))
    number_only = _matches(normal, r"^(?:[0-9]{10}|[0-9]{12})$")
    full = _matches(normal, r"^[A-Z]{2}[1-5][0-9]{12}$")
    level = pc.utf8_slice_codeunits(normal, 2, 3)
    level = pc.cast(pc.if_else(pa.array(full), level, "0"), pa.int16())
    struct = pa.StructArray.from_arrays(
        [
            normal,
            pc.if_else(pa.array(full), pc.utf8_slice_codeunits(normal, 5, 15), normal),
            _null_where(~full, pc.utf8_slice_codeunits(normal, 0, 2)),
            _null_where(~full, level),
        ],
        fields=list(CARD_NUMBER),
    )
    bad = ~(number_only | full)
    return Checked(struct, (Failure("bad_card_number", bad, _card_reason),))
