"""The demo's organisations: the departments that record its entries and the agencies that query."""

from __future__ import annotations

from typing import Final

from core.context import Context
from core.directory import service as directory
from core.directory.schemas import OrganisationKind

# slug: (kind, Chinese name, English name)
DEMO_ORGANISATIONS: Final[dict[str, tuple[OrganisationKind, str, str]]] = {
    "sz-tax-bureau": ("department", "国家税务总局深圳市税务局", "Shenzhen Tax Service"),
    "sh-market-regulation": (
        "department",
        "上海市市场监督管理局",
        "Shanghai Administration for Market Regulation",
    ),
    "bj-traffic-police": (
        "department",
        "北京市公安局公安交通管理局",
        "Beijing Traffic Management Bureau",
    ),
    "pbc-credit-office": (
        "department",
        "中国人民银行征信管理局",
        "PBC Credit Information System Bureau",
    ),
    "hz-market-regulation": (
        "department",
        "杭州市市场监督管理局",
        "Hangzhou Administration for Market Regulation",
    ),
    "civil-affairs-bureau": ("department", "示范市民政局", "Demo City Civil Affairs Bureau"),
    "ecology-environment-bureau": (
        "department",
        "示范市生态环境局",
        "Demo City Ecology and Environment Bureau",
    ),
    "human-resources-bureau": (
        "department",
        "示范市人力资源和社会保障局",
        "Demo City Human Resources and Social Security Bureau",
    ),
    "housing-construction-bureau": (
        "department",
        "示范市住房和城乡建设局",
        "Demo City Housing and Urban-Rural Development Bureau",
    ),
    "hz-intermediate-court": (
        "department",
        "杭州市中级人民法院",
        "Hangzhou Intermediate People's Court",
    ),
    "demo-bank": ("agency", "示范商业银行", "Demo Commercial Bank"),
    "demo-lender": ("agency", "示范小额贷款公司", "Demo Microlender"),
    "demo-collector": ("agency", "示范资产管理公司", "Demo Asset Management Company"),
    "demo-police": ("agency", "示范市公安局", "Demo City Public Security Bureau"),
    "demo-court": ("agency", "示范市人民法院", "Demo City People's Court"),
}


def load_demo_directory(ctx: Context) -> int:
    """Register the demo organisations that are missing (idempotent); how many were added."""
    known = {o.slug for o in directory.listing(ctx, include_disabled=True)}
    added = 0
    for slug, (kind, name_zh, name_en) in DEMO_ORGANISATIONS.items():
        if slug not in known:
            directory.register(ctx, slug=slug, kind=kind, name_zh=name_zh, name_en=name_en)
            added += 1
    return added
