"""A deterministic population of plausible demo people.

Invariants:

- Pure: only the standard library and other pure ``core`` modules are imported;
  nothing is logged or stored, and no global random state is touched.
- Deterministic: the same ``count`` and ``seed`` always give the same list, and
  a shorter list is a prefix of a longer one with the same seed.
- Every code passes ``validate_citizen_code``; codes are unique and names are
  unique within one call.
- Demo values are treated like real personal data: ``repr`` and ``str`` of a
  ``DemoPerson`` contain no character of its code or name.
- Sexes alternate (odd sequence digit for even positions), and for
  ``count >= 17`` at least three names carry a compound surname and at least one
  name has four characters, so name-masking code sees those shapes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Final

from core.codes import citizen_check_char
from core.surnames import surname_of

__all__ = ["DEFAULT_SEED", "MAX_COUNT", "DemoPerson", "demo_people"]

DEFAULT_SEED: Final = 20261123
# Bounds the retry loops below; far more people than any demo needs.
MAX_COUNT: Final = 10_000

# Real district-level division codes across several provinces.
_REGIONS: Final = (
    "110101", "110105", "110108", "120101", "130102", "210102", "220102", "310104",
    "310115", "320102", "330106", "340104", "350102", "370102", "410105", "420102",
    "430102", "440106", "440305", "500103", "510107", "610113",
)  # fmt: skip
_FIRST_BIRTH_DATE: Final = date(1950, 1, 1)
_BIRTH_DAYS: Final = (date(2004, 12, 31) - _FIRST_BIRTH_DATE).days + 1

_SINGLE_SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷龙史陶黎贺顾毛郝龚邵钱严"
)
_DEMO_COMPOUND_SURNAMES: Final = (
    "欧阳", "司马", "诸葛", "上官", "司徒", "东方", "慕容", "皇甫", "令狐", "公孙",
)  # fmt: skip
_MALE_GIVEN: Final = "伟强磊军洋勇杰涛明超斌鹏浩宇俊峰建国志刚辉鑫波亮飞龙海成博凯晨"
_FEMALE_GIVEN: Final = "芳娜敏静丽艳娟霞婷雪琳颖慧玲萍红燕倩欣月莉佳瑶怡晶梅兰丹璐蕾"
_NEUTRAL_GIVEN: Final = "文华平思雨安宁嘉子一晓春秋新云玉清和家睿"

# Positions 2, 9, 16, ... get a compound surname; the first of them also gets a
# two-character given name, giving a four-character name.
_COMPOUND_EVERY: Final = 7
_COMPOUND_OFFSET: Final = 2
_MAX_ATTEMPTS: Final = 1_000


@dataclass(frozen=True, slots=True, repr=False)
class DemoPerson:
    """A demo person; ``repr`` is redacted because demo data is handled as real data."""

    code: str
    name: str

    def __repr__(self) -> str:
        """Return a placeholder that reveals neither code nor name."""
        return "DemoPerson(<redacted>)"


def demo_people(count: int = 50, seed: int = DEFAULT_SEED) -> list[DemoPerson]:
    """Return ``count`` deterministic demo people with valid, unique citizen codes."""
    if not 0 <= count <= MAX_COUNT:
        raise ValueError("count must be between zero and MAX_COUNT")
    # Not for security: seeded pseudo-randomness is the point, the output is demo data.
    rng = random.Random(seed)  # noqa: S311
    codes: set[str] = set()
    names: set[str] = set()
    people: list[DemoPerson] = []
    for index in range(count):
        male = index % 2 == 0
        code = _unique(codes, partial(_citizen_code, rng, male=male))
        name = _unique(names, partial(_name, rng, index, male=male))
        people.append(DemoPerson(code=code, name=name))
    return people


def _unique(seen: set[str], make: Callable[[], str]) -> str:
    for _ in range(_MAX_ATTEMPTS):
        value = make()
        if value not in seen:
            seen.add(value)
            return value
    raise RuntimeError("could not generate a unique demo value")


def _citizen_code(rng: random.Random, *, male: bool) -> str:
    region = rng.choice(_REGIONS)
    born = _FIRST_BIRTH_DATE + timedelta(days=rng.randrange(_BIRTH_DAYS))
    # The sequence's last digit carries the sex (odd: male); 000 is never issued.
    sequence = rng.randrange(500) * 2 + 1 if male else rng.randrange(1, 500) * 2
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + citizen_check_char(first17)


def _name(rng: random.Random, index: int, *, male: bool) -> str:
    own = _MALE_GIVEN if male else _FEMALE_GIVEN
    compound = index % _COMPOUND_EVERY == _COMPOUND_OFFSET
    while True:
        if compound:
            surname = rng.choice(_DEMO_COMPOUND_SURNAMES)
            two_given = index == _COMPOUND_OFFSET or rng.random() < 0.5
        else:
            surname = rng.choice(_SINGLE_SURNAMES)
            two_given = rng.random() < 0.7
        first = rng.choice(_NEUTRAL_GIVEN + own) if two_given else ""
        name = surname + first + rng.choice(own)
        # A single surname followed by certain given characters (夏+侯 ...)
        # would read as a compound surname; rerolling keeps surname_of truthful.
        if surname_of(name) == surname:
            return name
