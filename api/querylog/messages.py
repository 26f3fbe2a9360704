"""Page messages (zh, en) for the query log's public checkpoint page.

Keys start with `checkpoint.`; a key defined twice in the catalogue is refused when
`api.pages.i18n` is imported.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "checkpoint.help": (
        "查询日志为防篡改的默克尔树；以下为最新签名检查点（C2SP tlog-checkpoint 格式）和验证公钥。",
        "The query log is a tamper-evident Merkle tree; this is its latest signed checkpoint "
        "(C2SP tlog-checkpoint) and the key that verifies it.",
    ),
    "checkpoint.key": ("验证公钥", "Verifier key"),
    "checkpoint.none": ("尚无检查点。", "No checkpoint yet."),
}
