"""The Unified Social Credit Code 统一社会信用代码 (GB 32100-2015).

18 characters from a 31-character alphabet (digits and capitals without I, O,
S, V, Z), in five parts (GB 32100-2015 §4):

====  ==========================================================  ==========
pos   part                                                        checked
====  ==========================================================  ==========
1     registration authority 登记管理部门代码                      a known code
2     category 机构类别代码                                          a pair with 1
3-8   administrative division of the registering office            6 digits, a
      登记管理机关行政区划码 (GB/T 2260)                              province
9-17  subject identifier 主体标识码: the organisation code         GB 11714
      (GB 11714-1997), 8 characters and its own check character     check
18    check character 校验码                                        GB 32100
====  ==========================================================  ==========

The 18th character: with the first 17 weighted by 3**i mod 31,
``check = (31 - sum % 31) % 31``. The organisation code's 9th character
(GB 11714-1997 §5): its first 8 characters (digits, letters A=10 .. Z=35)
weighted 3, 7, 9, 10, 5, 8, 4, 2, ``c9 = 11 - sum % 11``, written X for 10 and
0 for 11.

Input is normalised as python-stdnum's ``cn.uscc.compact`` does (spaces and
hyphens removed, upper-cased), and full-width forms (U+FF21 for A, the
ideographic space, the full-width hyphen) are folded to ASCII first (NFKC), as
codes copied from Chinese documents often carry them. Everything else that is
not in the alphabet is refused, not dropped.

The administrative division is checked as far as its province (the first two
digits, GB/T 2260, plus 10 for offices at national level); a full GB/T 2260
table would go stale with every redistricting and is not checkable offline.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, ...
LENGTH = 18

# Registration authority -> its category codes (GB 32100-2015 Table 1, with the
# authorities added by its amendments, as peer validators list them).
CATEGORIES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
    "2": "19",  # 外交: 外国常住新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国旅游部门常驻代表机构, 港澳台地区旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商 (市场监管): 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他登记管理部门
}

# GB/T 2260 province-level codes, and 10 for registration at national level.
PROVINCES = frozenset(
    [
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)

ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALPHABET_SET = frozenset(ALPHABET)
_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SEPARATORS = str.maketrans("", "", " -")


def _organisation_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


_ORGANISATION_VALUE = {char: _organisation_value(char) for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_ORGANISATION_CHECK = {check: {10: "X", 11: "0"}.get(check, str(check)) for check in range(1, 12)}
# Per position, each character's value times that position's weight: a sum is then one lookup per character.
_WEIGHTED = tuple({char: value * weight for char, value in _VALUE.items()} for weight in WEIGHTS)
_ORGANISATION_WEIGHTED = tuple({char: value * weight for char, value in _ORGANISATION_VALUE.items()} for weight in ORGANISATION_WEIGHTS)


def organisation_check_character(first8: str) -> str:
    """The 9th character of a GB 11714-1997 organisation code from its first 8 (digits, A-Z)."""
    if len(first8) != 8:
        raise ValueError("need exactly 8 characters")
    if _ALPHANUMERIC.issuperset(first8):  # the values looked up, not worked out per character
        total = sum(map(dict.__getitem__, _ORGANISATION_WEIGHTED, first8))
    else:
        total = sum(_organisation_value(char) * weight for char, weight in zip(first8, ORGANISATION_WEIGHTS, strict=True))
    return _ORGANISATION_CHECK[11 - total % 11]


def compact(code: str) -> str:
    """``code`` without separators: NFKC-folded, spaces and hyphens removed, upper-cased.

    ``"91 110000 600037341l"`` and ``"91110000-600037341L"`` -> ``"91110000600037341L"``.
    """
    if not code.isascii():  # NFKC leaves ASCII text as it is
        code = unicodedata.normalize("NFKC", code)
    if " " in code or "-" in code:
        code = code.translate(_SEPARATORS)
    return code.upper()


def check_character(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a code (GB 32100-2015 §5)."""
    if len(first17) != 17:
        raise ValueError("need exactly 17 characters")
    try:
        total = sum(map(dict.__getitem__, _WEIGHTED, first17))
    except KeyError as error:
        raise ValueError(f"{error.args[0]!r} is not a USCC character") from None
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why ``code`` (already compacted) is not a valid USCC, or None when it is."""
    if len(code) != LENGTH:
        return f"must be {LENGTH} characters, got {len(code)}"
    if not _ALPHABET_SET.issuperset(code):
        bad = sorted(set(code) - _VALUE.keys())
        return f"contains characters outside the GB 32100 alphabet: {''.join(bad)}"
    authority, category, division, organisation = code[0], code[1], code[2:8], code[8:17]
    if authority not in CATEGORIES:
        return f"{authority!r} is not a registration authority code (position 1)"
    if category not in CATEGORIES[authority]:
        return f"{category!r} is not a category of registration authority {authority!r} (position 2)"
    if not division.isdigit() or division[:2] not in PROVINCES:
        return f"positions 3-8 must be an administrative division code (GB/T 2260), got {division!r}"
    expected = organisation_check_character(organisation[:8])
    if organisation[8] != expected:
        return f"the organisation code's check character (position 17) is {organisation[8]!r} but GB 11714 gives {expected!r}"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r} but GB 32100 gives {expected!r}"
    return None


def is_valid(code: str) -> bool:
    """Whether ``code`` as given (not compacted) is a valid USCC."""
    return problem(code) is None


def complete(first17: str) -> str:
    """``first17`` with its GB 32100 check character; the structure of the 17 is the caller's."""
    return first17 + check_character(first17)


def make(prefix: str, organisation_body: str) -> str:
    """A valid code from its first 8 characters (authority, category, division) and an 8-character organisation body.

    ``make("91310115", "MA1K0001")``: used to make sample and test data.
    """
    if len(prefix) != 8 or len(organisation_body) != 8:
        raise ValueError("need an 8-character prefix and an 8-character organisation body")
    return complete(prefix + organisation_body + organisation_check_character(organisation_body))
