"""Countries as a sourcing officer names them: ISO 3166-1 alpha-2 codes, and which are in the EU.

A supplier's jurisdiction and data location are written as these codes (`NL`, `US`), so that
"outside the EU" is a fact the code derives, not a flag someone must remember to keep true."""

from __future__ import annotations

# ISO 3166-1 alpha-2, officially assigned codes.
ISO_3166 = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO
JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR
MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())  # noqa: SIM905  (the codes laid out as the standard tables them)

# The 27 member states of the European Union (since 1 February 2020).
EU = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())  # noqa: SIM905

PATTERN = r"^[A-Z]{2}$"


def problem(code: str) -> str | None:
    """Why `code` is no ISO 3166-1 alpha-2 country code, or None when it is one."""
    if code in ISO_3166:
        return None
    if code.upper() in ISO_3166:
        return f"{code!r}: write country codes in capitals, like {code.upper()!r}"
    if code.upper() == "UK":
        return "'UK' is not an ISO 3166-1 code: the United Kingdom is 'GB'"
    if code.upper() == "EL":
        return "'EL' is the EU's code for Greece; ISO 3166-1 spells it 'GR'"
    return f"{code!r} is not an ISO 3166-1 alpha-2 country code (like NL, DE, US)"


def in_eu(code: str) -> bool:
    return code in EU
