"""pydantic's own error messages (`Field required`, `Input should be a valid integer`…) in the
war-room's language, for the one-line problems of the files people write.

pydantic words its errors in English only, but gives each a `type` and its details in `ctx`: the
message is rebuilt from those. Each msgid below is pydantic's own template, word for word, so the
English stays what pydantic says (tests/test_file_problems_nl.py holds the table to pydantic's);
a type not in the table keeps pydantic's English."""

from __future__ import annotations

from typing import Any

from warroom import i18n
from warroom.i18n import C_, N_, _

# The types a TOML file can run into (strings, numbers, booleans, tables, arrays, dates): a
# template whose placeholders are all in the error's ctx.
MESSAGES = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "model_attributes_type": N_("Input should be a valid dictionary or object to extract fields from"),
    "none_required": N_("Input should be None"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "finite_number": N_("Input should be a finite number"),
    "string_type": N_("Input should be a valid string"),
    "string_unicode": N_("Input should be a valid string, unable to parse raw data as a unicode string"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "string_not_ascii": N_("String should contain only ASCII characters"),
    "enum": N_("Input should be {expected}"),
    "literal_error": N_("Input should be {expected}"),
    "dict_type": N_("Input should be a valid dictionary"),
    "list_type": N_("Input should be a valid list"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_parsing_size": N_("Unable to parse input string as an integer, exceeded maximum size"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD, {error}"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime, {error}"),
    "date_from_datetime_inexact": N_("Datetimes provided to dates should have zero time - e.g. be exact dates"),
    "datetime_type": N_("Input should be a valid datetime"),
    "datetime_parsing": N_("Input should be a valid datetime, {error}"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date, {error}"),
    "timezone_naive": N_("Input should not have timezone info"),
    "timezone_aware": N_("Input should have timezone info"),
    "time_delta_type": N_("Input should be a valid timedelta"),
    "union_tag_invalid": N_("Input tag '{tag}' found using {discriminator} does not match any of the expected tags: {expected_tags}"),
    "union_tag_not_found": N_("Unable to extract tag using discriminator {discriminator}"),
}

# pydantic's `{expected_plural}` ("" or "s") is English grammar: each of these is a plural pair,
# chosen by the ctx value it names.
PLURALS = {
    "too_short": (lambda n: i18n.ngettext("{field_type} should have at least {min_length} item after validation, not {actual_length}",
                                          "{field_type} should have at least {min_length} items after validation, not {actual_length}", n),
                  "min_length"),
    "too_long": (lambda n: i18n.ngettext("{field_type} should have at most {max_length} item after validation, not {actual_length}",
                                         "{field_type} should have at most {max_length} items after validation, not {actual_length}", n),
                 "max_length"),
    "string_too_short": (lambda n: i18n.ngettext("String should have at least {min_length} character",
                                                 "String should have at least {min_length} characters", n), "min_length"),
    "string_too_long": (lambda n: i18n.ngettext("String should have at most {max_length} character",
                                                "String should have at most {max_length} characters", n), "max_length"),
}

# The collection a too_short/too_long names, as pydantic spells it; in a TOML file a dictionary is a table.
_COLLECTION = "pydantic collection"
FIELD_TYPES = (C_("pydantic collection", "List"), C_("pydantic collection", "Dictionary"), C_("pydantic collection", "Set"),
               C_("pydantic collection", "Tuple"), C_("pydantic collection", "Data"))


# Why a date or time did not parse (the `{error}` of date_parsing and datetime_parsing), as
# pydantic's date parser says it; one not here stays English inside the translated sentence.
PARSER_ERRORS = {text: text for text in (
    N_("input is too short"),
    N_("input is too long"),
    N_("unexpected extra characters at the end of the input"),
    N_("invalid character in year"),
    N_("invalid character in month"),
    N_("invalid character in day"),
    N_("invalid character in hour"),
    N_("invalid character in minute"),
    N_("invalid character in second"),
    N_("invalid date separator, expected `-`"),
    N_("invalid time separator, expected `:`"),
    N_("invalid datetime separator, expected `T`, `t`, `_` or space"),
    N_("month value is outside expected range of 1-12"),
    N_("day value is outside expected range"),
    N_("hour value is outside expected range of 0-23"),
    N_("minute value is outside expected range of 0-59"),
    N_("second value is outside expected range of 0-59"),
    N_("invalid timezone sign"),
)}


def _said(value: Any) -> str:
    """A ctx value as pydantic writes it into its message: `1`, `0.5`, `'a' or 'b'`."""
    return str(value)


def message(error: dict[str, Any]) -> str:
    """pydantic's message for `error` (one of ValidationError.errors()) in the chosen language:
    exactly pydantic's own under English, and for a type not in the table."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if i18n.current() == i18n.DEFAULT or (kind not in MESSAGES and kind not in PLURALS):
        return error["msg"]
    said = {key: _said(value) for key, value in ctx.items()}
    try:
        if kind in PLURALS:
            template, count = PLURALS[kind]
            if "field_type" in said:
                said["field_type"] = i18n.pgettext(_COLLECTION, said["field_type"]) if said["field_type"] in FIELD_TYPES else said["field_type"]
            return template(int(ctx[count])).format(**said)
        if said.get("error") in PARSER_ERRORS:
            said["error"] = _(said["error"])
        if kind in ("literal_error", "enum") and "expected" in said:
            said["expected"] = _alternatives(said["expected"])
        return _(MESSAGES[kind]).format(**said)
    except (KeyError, ValueError, TypeError):  # a ctx this pydantic fills differently: its own words
        return error["msg"]


def _alternatives(expected: str) -> str:
    """pydantic's `'a', 'b' or 'c'` with the last `or` in the chosen language. The values are the
    model's own literals (never text from the file), so an ` or ` inside one is not a concern."""
    head, sep, last = expected.rpartition(" or ")
    # TRANSLATORS: the last two of a list of allowed values: `'high' or 'critical'`.
    return _("{some} or {last}").format(some=head, last=last) if sep else expected
