"""The organisation registry: registering, refusing, disabling and naming organisations."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from core.context import Context
from core.directory import service as directory
from core.errors import Conflict, InvalidInput, NotFound
from core.keyring import Keyring
from tests.factories.directory import make_agency, make_department


@pytest.fixture
def ctx(session: Session, keyring: Keyring) -> Context:
    return Context(session, keyring)


class TestRegister:
    def test_only_enabled_agencies_are_listed(self, ctx: Context) -> None:
        make_agency(ctx, "bank-b", name_zh="乙银行", name_en="Bank B")
        make_agency(ctx, "bank-a", name_zh="甲银行", name_en="Bank A")
        make_agency(ctx, "bank-c", name_zh="丙银行", name_en="Bank C")
        directory.disable(ctx, slug="bank-c")
        make_department(ctx)
        assert [a.slug for a in directory.agencies(ctx)] == ["bank-a", "bank-b"]

    def test_a_slug_is_registered_once(self, ctx: Context) -> None:
        make_agency(ctx)
        with pytest.raises(Conflict):
            make_agency(ctx)

    @pytest.mark.parametrize("slug", ["", "Bank", "bank 1", "-bank", "b" * 65])
    def test_a_bad_slug_is_refused_without_echo(self, ctx: Context, slug: str) -> None:
        with pytest.raises(InvalidInput) as err:
            make_agency(ctx, slug)
        assert err.value.rule == "slug"
        assert slug not in str(err.value) or not slug

    def test_an_empty_name_is_refused(self, ctx: Context) -> None:
        with pytest.raises(InvalidInput):
            make_agency(ctx, name_zh="  ")
        assert directory.listing(ctx) == []


class TestRequireAgency:
    def test_an_enabled_agency_is_found(self, ctx: Context) -> None:
        make_agency(ctx)
        assert directory.require_agency(ctx, slug="bank-1").name("en") == "Test Bank"

    @pytest.mark.parametrize("slug", ["bank-2", "sz-tax-bureau"])
    def test_an_unknown_id_or_a_department_is_refused(self, ctx: Context, slug: str) -> None:
        make_agency(ctx)
        make_department(ctx)
        with pytest.raises(InvalidInput) as err:
            directory.require_agency(ctx, slug=slug)
        assert err.value.rule == "agency_unknown"

    def test_a_disabled_agency_is_refused_but_keeps_its_name(self, ctx: Context) -> None:
        make_agency(ctx)
        directory.disable(ctx, slug="bank-1")
        with pytest.raises(InvalidInput):
            directory.require_agency(ctx, slug="bank-1")
        assert directory.names(ctx).of("bank-1", "zh") == "测试银行"
        with pytest.raises(Conflict):
            directory.disable(ctx, slug="bank-1")


class TestNames:
    def test_names_follow_the_language_and_a_rename(self, ctx: Context) -> None:
        make_department(ctx)
        directory.rename(ctx, slug="sz-tax-bureau", name_zh="深圳税务", name_en="SZ Tax")
        names = directory.names(ctx)
        assert (names.of("sz-tax-bureau", "zh"), names.of("sz-tax-bureau", "en")) == (
            "深圳税务",
            "SZ Tax",
        )

    def test_an_unregistered_slug_is_shown_as_itself(self, ctx: Context) -> None:
        assert directory.names(ctx).of("nobody", "zh") == "nobody"
        with pytest.raises(NotFound):
            directory.get(ctx, slug="nobody")
