"""Chinese compound surnames and surname splitting.

Invariants:

- Pure: only the standard library is imported; nothing is logged or stored.
- ``COMPOUND_SURNAMES`` holds only two-character surnames, so a name's surname
  is always either its first character or its first two characters.
- For a name of two or more characters ``surname_of`` returns a proper prefix,
  leaving at least one given-name character: a name that *equals* a compound
  surname is read as a one-character surname and a one-character given name.

Splitting is best-effort: a few compound surnames (e.g. 乐正, 宗政) start with a
common single surname followed by a character that is also used in given names.
"""

from __future__ import annotations

from typing import Final

__all__ = ["COMPOUND_SURNAMES", "surname_of"]

# The compound surnames of the Hundred Family Surnames plus a few others still
# borne today (拓跋, 独孤, 呼延, 第五 ...).
COMPOUND_SURNAMES: Final[frozenset[str]] = frozenset(
    {
        "万俟", "司马", "上官", "欧阳", "夏侯", "诸葛", "闻人", "东方",
        "赫连", "皇甫", "尉迟", "公羊", "澹台", "公冶", "宗政", "濮阳",
        "淳于", "单于", "太叔", "申屠", "公孙", "仲孙", "轩辕", "令狐",
        "钟离", "宇文", "长孙", "慕容", "鲜于", "闾丘", "司徒", "司空",
        "亓官", "司寇", "子车", "颛孙", "端木", "巫马", "公西", "漆雕",
        "乐正", "壤驷", "公良", "拓跋", "夹谷", "宰父", "谷梁", "段干",
        "百里", "东郭", "南门", "呼延", "羊舌", "微生", "梁丘", "左丘",
        "东门", "西门", "南宫", "第五", "公仪", "公乘", "太史", "仲长",
        "叱干", "独孤", "耶律", "完颜", "呼衍", "纳兰",
    }
)  # fmt: skip


def surname_of(name: str) -> str:
    """Return the compound surname a name starts with if it is longer, else its first character."""
    prefix = name[:2]
    if len(name) > len(prefix) and prefix in COMPOUND_SURNAMES:
        return prefix
    return name[:1]
