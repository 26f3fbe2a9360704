"""Each domain's page messages live in its own api/<domain>/messages.py, assembled once."""

from __future__ import annotations

import importlib
from pathlib import Path

from api.pages import i18n
from api.pages import messages as shared
from api.pages.render import API_DIR


def _domain_message_modules() -> set[str]:
    shared_file = Path(shared.__file__).resolve()
    return {
        ".".join(p.relative_to(API_DIR.parent).with_suffix("").parts)
        for p in API_DIR.glob("**/messages.py")
        if p.resolve() != shared_file
    }


class TestMessageRooms:
    def test_every_domain_messages_module_is_assembled(self):
        assembled = {m.__name__ for m in i18n.DOMAIN_MESSAGES}
        assert assembled == _domain_message_modules()

    def test_each_room_s_messages_are_in_the_catalogue_as_written(self):
        for name in [*sorted(_domain_message_modules()), shared.__name__]:
            room = importlib.import_module(name).MESSAGES
            assert room, name
            assert {k: i18n._M[k] for k in room} == room, name

    def test_no_key_is_defined_in_two_rooms(self):
        rooms = [importlib.import_module(n).MESSAGES for n in _domain_message_modules()]
        total = sum(len(r) for r in rooms) + len(shared.MESSAGES)
        generated = sum(1 for k in i18n._M if k.startswith(("purpose.", "basis.")))
        assert total + generated == len(i18n._M)
