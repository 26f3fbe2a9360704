"""Page messages (zh, en) for the query log's public checkpoint page.

Keys start with `checkpoint.`; a key defined twice in the catalogue is refused when
`api.pages.i18n` is imported.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "checkpoint.help": (
        "每次有机构查询某人的信用记录，都会记入一本只能追加、不能改写的公开日志。"
        "下面是这本日志最新的签名摘要：任何人都可以用它核对，已记下的查询没有被删改。",
        "Every time an agency looks at someone's credit record, it is written into a public "
        "log that can only grow, never be rewritten. Below is the log's latest signed summary: "
        "anyone can use it to check that no recorded query was changed or removed.",
    ),
    "checkpoint.how_log": (
        "查询日志是一棵防篡改的默克尔树（RFC 9162）：每条查询是树上的一片叶子，"
        "检查点记下树的大小和根哈希，采用 C2SP tlog-checkpoint 格式，并由本服务以 Ed25519 签名。",
        "The query log is a tamper-evident Merkle tree (RFC 9162): each query is a leaf, and a "
        "checkpoint records the tree's size and root hash in the C2SP tlog-checkpoint format, "
        "signed by this service with Ed25519.",
    ),
    "checkpoint.how_verify": (
        "每张查询回执都带有包含证明；用下面的验证公钥核对检查点的签名，再由证明重新计算根哈希，"
        "与检查点中的根哈希一致，即说明这条查询确实记在日志中。",
        "Each query receipt carries an inclusion proof: check the checkpoint's signature with "
        "the verifier key below, recompute the root hash from the proof, and when it matches "
        "the checkpoint's root the query is in the log.",
    ),
    "checkpoint.latest": ("最新检查点", "Latest checkpoint"),
    "checkpoint.key": ("验证公钥", "Verifier key"),
    "checkpoint.key_help": (
        "用此公钥核对检查点的签名。",
        "The key that checks the checkpoint's signature.",
    ),
    "checkpoint.none": ("尚无检查点。", "No checkpoint yet."),
}
