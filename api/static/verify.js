// In-browser verification of query-log receipts (SPEC §6, §12): plain ES2020 module, no
// libraries, no build step. Progressive enhancement: the page works without it.
//
// What is checked, trusting nothing the page says:
// - the log's verifier key (C2SP signed-note vkey `name+keyid+base64(0x01 || key)`) is
//   fetched from /api/v1/public/log-key, and its key id must match its name and key;
// - the latest checkpoint is fetched from /api/v1/public/checkpoint, and every checkpoint
//   (the latest, and the one inside each receipt) must carry exactly one valid Ed25519
//   signature by that key over its C2SP tlog-checkpoint body, parsed strictly;
// - each receipt's RFC 9162 inclusion proof must recompute the signed root from the
//   receipt's leaf hash at its index (leaf = SHA-256(0x00 || entry),
//   node = SHA-256(0x01 || left || right));
// - each receipt's checkpoint must be the latest public one (same size, same root), or, if
//   older, the page is fetched again and the fresh receipt for the same index must hold
//   the same leaf hash and verify against the latest checkpoint.
// - before any proof, each row's leaf is rebuilt from the fields the row displays (RFC 8785
//   canonical JSON of the leaf with the displayed values put in), and must hash to the
//   receipt's leaf hash; the private fields shown must be the ones the leaf's `commit`
//   binds under the row's secret, and the rows' `prev` values must chain without a gap
//   (as crypto/leaf_binding.py). An altered or omitted row then fails.
// - when the page is given witness keys and a quorum (C2SP tlog-cosignature vkeys with type
//   byte 0x04, on the root element as data-witness-keys = JSON list, data-witness-quorum),
//   the latest checkpoint must also carry valid Ed25519 cosignature/v1 lines by at least
//   that many distinct witnesses (as crypto/cosignature.py).
// The proof functions mirror crypto/merkle.py and are exported for the browser tests,
// which run them against every vendored RFC 9162 vector (tests/data/rfc9162).

const KEY_URL = "/api/v1/public/log-key";
const CHECKPOINT_URL = "/api/v1/public/checkpoint";
const HASH_SIZE = 32;
const MAX_U64 = (1n << 64n) - 1n;
const MAX_SIGNATURES = 100;
const KEY_ID_SIZE = 4;
const ED25519_TYPE = 0x01;
const COSIGNATURE_TYPE = 0x04;
const TIMESTAMP_SIZE = 8;
const MAX_TIMESTAMP = (1n << 63n) - 1n;
const ED25519_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const SIGNATURE_PREFIX = "\u2014 "; // an em dash and a space
// SHA-256 of the empty string: the root of the empty tree.
const EMPTY_ROOT = hexToBytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
// RFC 8032 test 1 public key: only used to probe for Ed25519 support.
const PROBE_KEY = hexToBytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;
const KEY_ID_RE = /^[0-9a-f]{8}$/;
const encoder = new TextEncoder();

// --- errors -------------------------------------------------------------------------------

/** A verification failure; `code` names the reason (its message key), `message` the detail. */
export class VerifyError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "VerifyError";
    this.code = code;
  }
}

function fail(code, message) {
  throw new VerifyError(code, message);
}

function proofError(message) {
  fail("proof", message);
}

// --- bytes --------------------------------------------------------------------------------

function hexToBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lower-case hex of some bytes. */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sameBytes(a, b) {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) {
    return false;
  }
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Standard base64 of some bytes (with padding). */
export function b64encode(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/** Decode canonical standard base64 (padded, no whitespace, zero padding bits) or fail. */
export function b64decode(text, what, code = "receipt") {
  if (typeof text !== "string" || !B64_RE.test(text)) fail(code, `${what} is not valid base64`);
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  // atob tolerates non-zero padding bits; re-encoding catches a second spelling.
  if (b64encode(out) !== text) fail(code, `${what} is not canonical base64`);
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** The hash of one log entry: SHA-256(0x00 || data). */
export function leafHash(data) {
  return sha256(concat(LEAF_PREFIX, data));
}

/** The hash of an interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
  return sha256(concat(NODE_PREFIX, left, right));
}

// --- Merkle proofs (RFC 9162, as crypto/merkle.py) -----------------------------------------

/** An unsigned 64-bit integer from a BigInt, a safe integer Number or a decimal string. */
export function u64(what, value, code = "proof") {
  let n = null;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && SIZE_RE.test(value)) n = BigInt(value);
  if (n === null || n < 0n || n > MAX_U64) fail(code, `${what} must be an integer in [0, 2**64)`);
  return n;
}

function bitLength(n) {
  return n === 0n ? 0 : n.toString(2).length;
}

function bitCeil(n) {
  return n <= 1n ? 1n : 1n << BigInt(bitLength(n - 1n));
}

// The largest power of two strictly below n, for n >= 2: where MTH splits.
function split(n) {
  return 1n << BigInt(bitLength(n - 1n) - 1);
}

/** Whether [start, end) is a subtree: start <= end, start a multiple of BIT_CEIL(end-start). */
export function isValidSubtree(start, end) {
  return 0n <= start && start <= end && start % bitCeil(end - start) === 0n;
}

const LEFT = 0; // target in the left child; the sibling is the right child
const RIGHT = 1; // target in the right child; the sibling is the left child
const SPLIT = 2; // target straddles the split; the left child lies inside the target

// Descend from node [lo, hi) to the non-empty valid subtree [start, end) inside it.
function walk(start, end, lo, hi) {
  const steps = [];
  let known = true;
  while (start !== lo || end !== hi) {
    if (hi - lo < 2n || start < lo || end > hi || start >= end) {
      proofError(`[${start}, ${end}) is not inside [${lo}, ${hi})`);
    }
    const mid = lo + split(hi - lo);
    if (end <= mid) {
      steps.push(LEFT);
      hi = mid;
    } else if (start >= mid) {
      steps.push(RIGHT);
      lo = mid;
    } else {
      // Only a subtree starting at lo can straddle the split.
      if (start !== lo) proofError(`[${start}, ${end}) is not a valid subtree`);
      steps.push(SPLIT);
      start = mid;
      lo = mid;
      known = false;
    }
  }
  return { steps, known, proofLength: steps.length + (known ? 0 : 1) };
}

function requireHash(what, value) {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
    const got = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
    proofError(`${what} must be ${HASH_SIZE} bytes, got ${got}`);
  }
}

// Recompute (target hash, root hash) bottom-up; seed is the target hash when it is known.
async function chain(path, seed, proof) {
  if (!Array.isArray(proof)) proofError("proof must be a list of hashes");
  if (proof.length !== path.proofLength) {
    proofError(`proof has ${proof.length} hashes, expected ${path.proofLength}`);
  }
  proof.forEach((h, i) => requireHash(`proof hash ${i}`, h));
  let next = 0;
  const base = path.known ? seed : proof[next++];
  let target = base;
  let root = base;
  for (let s = path.steps.length - 1; s >= 0; s--) {
    const sibling = proof[next++];
    if (path.steps[s] === LEFT) {
      root = await nodeHash(root, sibling);
    } else if (path.steps[s] === RIGHT) {
      root = await nodeHash(sibling, root);
    } else {
      // A sibling inside the target contributes to both the target and the root.
      root = await nodeHash(sibling, root);
      target = await nodeHash(sibling, target);
    }
  }
  return [target, root];
}

function checkMatch(what, calculated, expected) {
  if (!sameBytes(calculated, expected)) {
    const shown = expected instanceof Uint8Array ? toHex(expected) : String(expected);
    proofError(`calculated ${what} ${toHex(calculated)} does not match expected ${shown}`);
  }
}

function checkSubtree(start, end) {
  if (start > end) proofError(`subtree start ${start} is after its end ${end}`);
  if (!isValidSubtree(start, end)) proofError(`[${start}, ${end}) is not a valid subtree`);
}

/** The root a tree of `size` leaves must have if `proof` places `leaf` at `index`. */
export async function rootFromInclusionProof(leaf, index, size, proof) {
  const i = u64("index", index);
  const n = u64("tree size", size);
  if (i >= n) proofError(`index ${i} is outside a tree of size ${n}`);
  requireHash("leaf hash", leaf);
  return (await chain(walk(i, i + 1n, 0n, n), leaf, proof))[1];
}

/** Check that `proof` places `leaf` at `index` in the tree of `size` leaves with `root`. */
export async function verifyInclusion(leaf, index, size, proof, root) {
  checkMatch("root", await rootFromInclusionProof(leaf, index, size, proof), root);
}

/** The hash subtree [start, end) must have if `proof` places `leaf` at `index` in it. */
export async function rootFromSubtreeInclusionProof(leaf, index, start, end, proof) {
  const lo = u64("subtree start", start);
  const hi = u64("subtree end", end);
  checkSubtree(lo, hi);
  const i = u64("index", index);
  if (lo === hi) proofError(`subtree [${lo}, ${hi}) is empty and includes no leaf`);
  if (i < lo || i >= hi) proofError(`index ${i} is outside subtree [${lo}, ${hi})`);
  requireHash("leaf hash", leaf);
  return (await chain(walk(i, i + 1n, lo, hi), leaf, proof))[1];
}

/** Check that `proof` places `leaf` at `index` in subtree [start, end) with hash `root`. */
export async function verifySubtreeInclusion(leaf, index, start, end, proof, root) {
  const calculated = await rootFromSubtreeInclusionProof(leaf, index, start, end, proof);
  checkMatch("subtree hash", calculated, root);
}

/** The root a tree of `size` leaves must have if `proof` shows subtree [start, end) in it. */
export async function rootFromSubtreeConsistencyProof(start, end, size, proof, subtreeHash) {
  const lo = u64("subtree start", start);
  const hi = u64("subtree end", end);
  checkSubtree(lo, hi);
  const n = u64("tree size", size);
  if (hi > n) proofError(`subtree [${lo}, ${hi}) ends past a tree of size ${n}`);
  if (lo === hi) proofError("an empty subtree is in every tree and fixes no root");
  const [target, root] = await chain(walk(lo, hi, 0n, n), subtreeHash, proof);
  checkMatch("subtree hash", target, subtreeHash);
  return root;
}

/** Check that subtree [start, end) with `subtreeHash` is in the tree of `size` with `root`. */
export async function verifySubtreeConsistency(start, end, size, proof, subtreeHash, root) {
  const lo = u64("subtree start", start);
  const hi = u64("subtree end", end);
  checkSubtree(lo, hi);
  const n = u64("tree size", size);
  if (hi > n) proofError(`subtree [${lo}, ${hi}) ends past a tree of size ${n}`);
  if (lo === hi) {
    // The empty subtree is trivially part of any tree; only its own hash is checked.
    if (!Array.isArray(proof) || proof.length !== 0) {
      proofError("expected an empty proof for an empty subtree");
    }
    checkMatch("subtree hash", EMPTY_ROOT, subtreeHash);
    return;
  }
  const calculated = await rootFromSubtreeConsistencyProof(lo, hi, n, proof, subtreeHash);
  checkMatch("root", calculated, root);
}

/** The root of the tree of `size2` implied by `proof`, after checking it against `root1`. */
export async function rootFromConsistencyProof(size1, size2, proof, root1) {
  const m = u64("size1", size1);
  const n = u64("size2", size2);
  if (m > n) proofError(`size1 ${m} is greater than size2 ${n}`);
  // Every tree extends the empty one; such a proof would prove nothing.
  if (m === 0n) proofError("a consistency proof from the empty tree is meaningless");
  return rootFromSubtreeConsistencyProof(0n, m, n, proof, root1);
}

/** Check that the tree of `size1` with `root1` is a prefix of that of `size2` with `root2`. */
export async function verifyConsistency(size1, size2, proof, root1, root2) {
  checkMatch("root2", await rootFromConsistencyProof(size1, size2, proof, root1), root2);
}

// --- signed notes and checkpoints (C2SP, as crypto/checkpoint.py) --------------------------

function checkText(text, what, code) {
  for (const ch of text) {
    if ((ch < " " && ch !== "\n") || ch === "\x7f") {
      fail(code, `${what} contains a control character`);
    }
  }
  // A lone surrogate cannot be encoded as UTF-8, so it cannot have been signed.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?:[^\ud800-\udbff]|^)[\udc00-\udfff]/.test(text)) {
    fail(code, `${what} is not valid Unicode text`);
  }
}

function checkKeyName(name, code) {
  if (typeof name !== "string" || name === "") fail(code, "key name is empty");
  if (name.includes("+") || /\s/.test(name)) fail(code, "key name contains whitespace or '+'");
  checkText(name, "key name", code);
}

async function keyId(name, rawKey, type = ED25519_TYPE) {
  const digest = await sha256(concat(encoder.encode(`${name}\n`), [type], rawKey));
  return digest.slice(0, KEY_ID_SIZE);
}

/** Parse a vkey `<name>+<hex key id>+<base64(0x01 || key)>`, checking its key id; import it. */
export async function parseVerifierKey(vkey, type = ED25519_TYPE) {
  if (typeof vkey !== "string") fail("key", "verifier key must be text");
  const text = vkey.trim();
  // The base64 key may itself contain '+', so only the first two separate fields.
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (second < 0) fail("key", "verifier key is not <name>+<key id>+<key>");
  const name = text.slice(0, first);
  const hexId = text.slice(first + 1, second);
  checkKeyName(name, "key");
  if (!KEY_ID_RE.test(hexId)) fail("key", "verifier key id is not 8 lower-case hex digits");
  const raw = b64decode(text.slice(second + 1), "verifier key", "key");
  if (raw.length !== 1 + ED25519_KEY_SIZE || raw[0] !== type) {
    fail("key", "verifier key is not an Ed25519 key of the expected type");
  }
  const rawKey = raw.slice(1);
  const id = await keyId(name, rawKey, type);
  if (toHex(id) !== hexId) fail("key", "verifier key id does not match its name and key");
  let key;
  try {
    key = await crypto.subtle.importKey("raw", rawKey, { name: "Ed25519" }, false, ["verify"]);
  } catch (err) {
    fail("unsupported", `Ed25519 key import failed: ${err}`);
  }
  return { name, keyId: id, key, text };
}

function parseSignatureLine(line) {
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    fail("note", "signature line does not start with an em dash and a space");
  }
  const fields = line.slice(SIGNATURE_PREFIX.length).split(" ");
  if (fields.length !== 2) fail("note", "signature line is not '— <key name> <signature>'");
  const [name, encoded] = fields;
  checkKeyName(name, "note");
  const raw = b64decode(encoded, "signature", "note");
  if (raw.length <= KEY_ID_SIZE) fail("note", "signature is too short");
  return { name, keyId: raw.slice(0, KEY_ID_SIZE), signature: raw.slice(KEY_ID_SIZE) };
}

/** A witness's cosigner vkey `<name>+<hex key id>+<base64(0x04 || key)>`, parsed and imported. */
export async function parseCosignerKey(vkey) {
  return parseVerifierKey(vkey, COSIGNATURE_TYPE);
}

function splitNote(note) {
  if (typeof note !== "string") fail("note", "note must be text");
  checkText(note, "note", "note");
  if (!note.endsWith("\n")) fail("note", "note does not end with a newline");
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0) fail("note", "note has no blank line between its body and signatures");
  const block = note.slice(cut + 2);
  if (block === "") fail("note", "note has no signature lines");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) fail("note", "note has too many signatures");
  return { body: note.slice(0, cut + 1), signatures: lines.map(parseSignatureLine) };
}

/** Check that at least `quorum` distinct witnesses (parsed cosigner keys) validly cosigned the
 * note (Ed25519 cosignature/v1); a bad line by a trusted witness fails the whole note. */
export async function checkQuorum(note, witnesses, quorum) {
  const { body, signatures } = splitNote(note);
  const seen = new Set();
  for (const s of signatures) {
    const w = witnesses.find((k) => k.name === s.name && sameBytes(k.keyId, s.keyId));
    if (w === undefined) continue;
    if (seen.has(w.text)) fail("signature", `two cosignatures by witness ${w.name}`);
    if (s.signature.length !== TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE) {
      fail("signature", `cosignature by witness ${w.name} is malformed`);
    }
    let time = 0n;
    for (const byte of s.signature.slice(0, TIMESTAMP_SIZE)) time = (time << 8n) | BigInt(byte);
    if (time === 0n || time > MAX_TIMESTAMP) fail("signature", "cosignature time out of range");
    const message = encoder.encode(`cosignature/v1\ntime ${time}\n${body}`);
    let valid = false;
    try {
      valid = await crypto.subtle.verify(
        { name: "Ed25519" }, w.key, s.signature.slice(TIMESTAMP_SIZE), message);
    } catch (err) {
      fail("unsupported", `Ed25519 verification failed to run: ${err}`);
    }
    if (!valid) fail("signature", `cosignature by witness ${w.name} does not verify`);
    seen.add(w.text);
  }
  if (seen.size < quorum) {
    fail("signature", `${seen.size} witness cosignatures, quorum is ${quorum}`);
  }
}

/** Verify a signed note against one parsed verifier key; return its body (final newline kept). */
export async function openNote(note, vkey) {
  if (typeof note !== "string") fail("note", "note must be text");
  checkText(note, "note", "note");
  if (!note.endsWith("\n")) fail("note", "note does not end with a newline");
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0) fail("note", "note has no blank line between its body and signatures");
  const body = note.slice(0, cut + 1);
  const block = note.slice(cut + 2);
  if (block === "") fail("note", "note has no signature lines");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) fail("note", "note has too many signatures");
  // Every line must be well formed; lines by other keys are then ignored.
  const signatures = lines.map(parseSignatureLine);
  const ours = signatures.filter((s) => s.name === vkey.name && sameBytes(s.keyId, vkey.keyId));
  if (ours.length === 0) fail("signature", `note carries no signature from key ${vkey.name}`);
  if (ours.length > 1) fail("signature", `note carries more than one signature from ${vkey.name}`);
  const signature = ours[0].signature;
  if (signature.length !== ED25519_SIGNATURE_SIZE) {
    fail("signature", "signature is not an Ed25519 signature");
  }
  let valid = false;
  try {
    valid = await crypto.subtle.verify(
      { name: "Ed25519" }, vkey.key, signature, encoder.encode(body));
  } catch (err) {
    fail("unsupported", `Ed25519 verification failed to run: ${err}`);
  }
  if (!valid) fail("signature", `signature from key ${vkey.name} does not verify`);
  return body;
}

/** Parse a verified checkpoint body strictly: origin, size, root and extension lines. */
export function parseCheckpoint(body) {
  if (typeof body !== "string" || !body.endsWith("\n")) {
    fail("note", "checkpoint body does not end with a newline");
  }
  checkText(body, "checkpoint body", "note");
  const lines = body.slice(0, -1).split("\n");
  if (lines.length < 3) fail("note", "checkpoint body needs origin, size and root lines");
  const [origin, sizeText, rootText, ...extra] = lines;
  if (origin === "") fail("note", "origin line is empty");
  if (!SIZE_RE.test(sizeText)) fail("note", "tree size is not a canonical decimal number");
  const size = BigInt(sizeText);
  if (size > MAX_U64) fail("note", "tree size does not fit in 64 bits");
  const root = b64decode(rootText, "root hash line", "note");
  if (root.length !== HASH_SIZE) fail("note", `root hash must be ${HASH_SIZE} bytes`);
  if (extra.some((line) => line === "")) fail("note", "an extension line is empty");
  return { origin, size, root, extra };
}

/** Verify a signed checkpoint note with a parsed verifier key and parse it. */
export async function openCheckpoint(note, vkey) {
  return parseCheckpoint(await openNote(note, vkey));
}

// --- receipts (as crypto/receipt.py) -------------------------------------------------------

function field(receipt, key) {
  if (!Object.prototype.hasOwnProperty.call(receipt, key)) {
    fail("receipt", `receipt has no ${key} field`);
  }
  return receipt[key];
}

function integerField(receipt, key) {
  const value = field(receipt, key);
  // Only JSON numbers: a string or true must not pass as an index.
  if (typeof value !== "number") fail("receipt", `receipt field ${key} must be an integer`);
  return u64(key, value, "receipt");
}

/** Parse a receipt's five fields strictly (unknown fields are ignored, so receipts can grow). */
export function parseReceipt(receipt) {
  if (receipt === null || typeof receipt !== "object" || Array.isArray(receipt)) {
    fail("receipt", "receipt must be a JSON object");
  }
  const index = integerField(receipt, "index");
  const treeSize = integerField(receipt, "tree_size");
  const leaf = b64decode(field(receipt, "leaf_hash"), "leaf hash");
  if (leaf.length !== HASH_SIZE) fail("receipt", `leaf hash must be ${HASH_SIZE} bytes`);
  const rawProof = field(receipt, "inclusion_proof");
  if (!Array.isArray(rawProof)) fail("receipt", "inclusion_proof must be a list");
  const proof = rawProof.map((h, i) => b64decode(h, `inclusion proof hash ${i}`));
  const note = field(receipt, "checkpoint");
  if (typeof note !== "string") fail("receipt", "checkpoint must be the signed note text");
  return { index, treeSize, leaf, proof, note };
}

/** Check a receipt against a parsed verifier key; return its parts and its checkpoint. */
export async function verifyReceipt(receipt, vkey) {
  const parsed = parseReceipt(receipt);
  const checkpoint = await openCheckpoint(parsed.note, vkey);
  if (parsed.treeSize !== checkpoint.size) {
    fail("receipt", `receipt tree size ${parsed.treeSize} differs from its checkpoint's`);
  }
  await verifyInclusion(parsed.leaf, parsed.index, checkpoint.size, parsed.proof,
    checkpoint.root);
  return { receipt: parsed, checkpoint };
}

// --- leaves bound to what the row shows (as crypto/leaf_binding.py) ---------------------------

const TEXT = new TextEncoder();
const SALT_TAG = TEXT.encode("credence/leaf-salt/v2\n");
const CHAIN_TAG = TEXT.encode("credence/leaf-chain/v2\n");
const COMMIT_TAG = TEXT.encode("credence/leaf-commit/v2\n");
// The fields a history row displays, and so rebuilds its leaf from.
const SHOWN = ["at", "agency", "purpose", "basis", "legal_basis", "outcome"];

/** RFC 8785 canonical JSON of a value made of objects, arrays, strings, integers, null. */
export function canonicalJson(value) {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) fail("shown", "only safe integers are canonical here");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    // Keys in UTF-16 code-unit order: the default sort, as RFC 8785 asks.
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  fail("shown", `a ${typeof value} has no canonical JSON`);
  return "";
}

async function tagged(tag, ...parts) {
  return sha256(concat(tag, ...parts));
}

/** The value the subject's next unsealed leaf carries as `prev`, from a row's secret. */
export async function chainTag(secret) {
  return b64encode(await tagged(CHAIN_TAG, secret));
}

/**
 * Rebuild a row's leaf from its displayed fields and check it against the proven leaf hash,
 * then open its commitment with the row's secret; resolve to the leaf rebuilt.
 */
export async function checkShownLeaf(opening, shown, provenHash) {
  if (opening === null || typeof opening !== "object" || opening.leaf === null
    || typeof opening.leaf !== "object") {
    fail("shown", "the row carries no leaf to rebuild");
  }
  const leaf = { ...opening.leaf };
  for (const name of SHOWN) {
    if (Object.prototype.hasOwnProperty.call(shown, name)) leaf[name] = shown[name];
  }
  const body = TEXT.encode(canonicalJson(leaf));
  if (!sameBytes(await leafHash(body), provenHash)) {
    fail("shown", "the row shown does not hash to the leaf its receipt proves");
  }
  if (opening.private !== null && opening.private !== undefined) {
    const secret = b64decode(opening.secret, "secret", "commit");
    const salt = await tagged(SALT_TAG, secret);
    const commit = b64encode(await tagged(COMMIT_TAG, salt,
      TEXT.encode(canonicalJson(opening.private))));
    if (commit !== leaf.commit) fail("commit", "the leaf commits to other private fields");
    const entries = opening.private.entries;
    if (!Array.isArray(entries) || entries.length !== leaf.returned) {
      fail("commit", "the leaf counts other entries than it commits to");
    }
  }
  return leaf;
}

/**
 * Check the rows' chain ({index, leaf, secret} each, version 2 only); resolve to the log
 * indexes of the rows after which a query is missing (empty: no gap among the rows).
 */
export async function chainGaps(rows) {
  const chained = rows.filter((r) => r.leaf.sealed_until === null)
    .sort((a, b) => a.index - b.index);
  const gaps = [];
  for (let i = 1; i < chained.length; i += 1) {
    if (chained[i].leaf.prev !== await chainTag(chained[i - 1].secret)) {
      gaps.push(chained[i].index);
    }
  }
  return gaps;
}

// --- the query-history page ----------------------------------------------------------------

async function fetchText(url, credentials) {
  let response;
  try {
    response = await fetch(url, { cache: "no-store", credentials, redirect: "error" });
  } catch (err) {
    fail("network", `${url}: ${err}`);
  }
  if (!response.ok) fail("network", `${url}: HTTP ${response.status}`);
  return response.text();
}

/** The witness keys and quorum the page was given (root element data attributes), or null. */
export async function witnessesOf(doc) {
  const root = doc.documentElement;
  const quorum = Number(root.getAttribute("data-witness-quorum") || "0");
  if (!Number.isSafeInteger(quorum) || quorum <= 0) return null;
  const vkeys = parseJson(root.getAttribute("data-witness-keys") || "[]");
  if (!Array.isArray(vkeys)) fail("key", "witness keys must be a list");
  return { keys: await Promise.all(vkeys.map(parseCosignerKey)), quorum };
}

async function fetchCheckpoint(vkey, witnesses) {
  const note = await fetchText(CHECKPOINT_URL, "omit");
  const checkpoint = await openCheckpoint(note, vkey);
  if (witnesses !== null) await checkQuorum(note, witnesses.keys, witnesses.quorum);
  return checkpoint;
}

/** The log's verifier key and latest checkpoint (with `witnesses`, checked for their quorum),
 * both from the public API. */
export async function fetchLatest(witnesses = null) {
  // Public endpoints: no cookie is sent.
  const vkey = await parseVerifierKey(await fetchText(KEY_URL, "omit"));
  const latest = await fetchCheckpoint(vkey, witnesses);
  return { vkey, latest };
}

/** The receipts on a query-history document, by log index (a malformed one is kept as text). */
export function receiptsOf(doc) {
  const found = new Map();
  for (const article of doc.querySelectorAll("article[data-log-index]")) {
    const el = article.querySelector(".receipt");
    if (el !== null) found.set(article.getAttribute("data-log-index"), el.textContent);
  }
  return found;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    fail("receipt", "receipt is not JSON");
  }
  return null;
}

/** What a row displays (its `data-field` values) and what opens its leaf. */
export function shownOf(article) {
  const shown = {};
  for (const el of article.querySelectorAll("[data-field]")) {
    const value = el.getAttribute("data-value");
    shown[el.getAttribute("data-field")] = value === "" && el.hasAttribute("data-null")
      ? null : value;
  }
  const source = article.querySelector("script.leaf-opening");
  const opening = source === null ? null : parseJson(source.textContent);
  return { shown, opening };
}

/**
 * Verify one row's receipt (JSON text) for log index `rowIndex` against the latest
 * checkpoint in `state`, after rebuilding its leaf from what the row shows (`row`, from
 * `shownOf`); resolve to {size, old, leaf} on success, reject with a VerifyError.
 */
export async function verifyRow(rowIndex, text, state, row = null) {
  const parsedReceipt = parseReceipt(parseJson(text));
  if (String(parsedReceipt.index) !== rowIndex) {
    fail("index", `receipt index ${parsedReceipt.index} is not this query's ${rowIndex}`);
  }
  const leaf = row === null
    ? null
    : await checkShownLeaf(row.opening, row.shown, parsedReceipt.leaf);
  const { receipt, checkpoint } = await verifyReceipt(parseJson(text), state.vkey);
  let latest = state.latest;
  if (checkpoint.origin !== latest.origin) fail("origin", `origin ${checkpoint.origin}`);
  if (checkpoint.size > latest.size) {
    // The log may have moved on since the latest checkpoint was fetched: ask once more.
    latest = await state.refreshLatest();
    if (checkpoint.size > latest.size) fail("ahead", `size ${checkpoint.size} > ${latest.size}`);
  }
  if (checkpoint.size === latest.size) {
    if (!sameBytes(checkpoint.root, latest.root)) fail("fork", `size ${latest.size}`);
    return { index: receipt.index, size: latest.size, old: null, leaf };
  }
  // An older checkpoint: without a consistency proof, fetch this row's receipt again
  // (made against the latest stored checkpoint) and check that one, for the same leaf.
  const freshText = (await state.freshReceipts()).get(rowIndex);
  if (freshText === undefined) fail("stale", `no fresh receipt for ${rowIndex}`);
  const fresh = await verifyReceipt(parseJson(freshText), state.vkey);
  if (String(fresh.receipt.index) !== rowIndex) fail("index", "fresh receipt index differs");
  if (!sameBytes(fresh.receipt.leaf, receipt.leaf)) fail("leaf", `index ${rowIndex}`);
  if (fresh.checkpoint.origin !== latest.origin) fail("origin", "fresh receipt origin");
  if (fresh.checkpoint.size > latest.size) latest = await state.refreshLatest();
  if (fresh.checkpoint.size !== latest.size) fail("stale", `size ${fresh.checkpoint.size}`);
  if (!sameBytes(fresh.checkpoint.root, latest.root)) fail("fork", `size ${latest.size}`);
  return { index: receipt.index, size: latest.size, old: checkpoint.size, leaf };
}

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole);
}

function reasonCode(err) {
  return err instanceof VerifyError ? err.code : "internal";
}

/** A state for one run: the key and latest checkpoint, and memoised refetches. */
async function newState(pagePath) {
  const witnesses = await witnessesOf(document);
  const { vkey, latest } = await fetchLatest(witnesses);
  let refreshed = null;
  let fresh = null;
  const state = {
    vkey,
    latest,
    refreshLatest() {
      if (refreshed === null) {
        refreshed = (async () => {
          const again = await fetchCheckpoint(vkey, witnesses);
          if (again.size < state.latest.size) fail("stale", "the public checkpoint shrank");
          if (again.size === state.latest.size && !sameBytes(again.root, state.latest.root)) {
            fail("fork", `size ${again.size}`);
          }
          state.latest = again;
          return again;
        })();
      }
      return refreshed;
    },
    freshReceipts() {
      if (fresh === null) {
        fresh = (async () => {
          // The same page again (its path holds no personal data), with the session cookie.
          const html = await fetchText(pagePath, "same-origin");
          return receiptsOf(new DOMParser().parseFromString(html, "text/html"));
        })();
      }
      return fresh;
    },
  };
  return state;
}

function showVerdict(article, msgs, outcome) {
  const verdict = article.querySelector(".verdict");
  if (verdict === null) return;
  if (outcome.ok) {
    const { index, size, old } = outcome.ok;
    verdict.textContent = old === null
      ? format(msgs.ok, { index, size })
      : format(msgs.ok_refreshed, { index, size, old });
    verdict.setAttribute("data-verdict", "ok");
    verdict.removeAttribute("data-reason");
    if (old === null) verdict.removeAttribute("data-old-size");
    else verdict.setAttribute("data-old-size", String(old));
  } else {
    const reason = msgs[`reason.${outcome.code}`] || msgs["reason.internal"];
    verdict.textContent = format(msgs.failed, { reason });
    verdict.setAttribute("data-verdict", "failed");
    verdict.setAttribute("data-reason", outcome.code);
    verdict.removeAttribute("data-old-size");
  }
  verdict.hidden = false;
}

function paragraph(text) {
  const p = document.createElement("p");
  p.textContent = text;
  return p;
}

async function run(button, status, msgs) {
  button.disabled = true;
  button.textContent = msgs.running;
  status.removeAttribute("data-done");
  status.replaceChildren(paragraph(msgs.running));
  const articles = Array.from(document.querySelectorAll("article[data-log-index]"));
  const rows = articles.filter((a) => a.querySelector(".receipt") !== null);
  let state = null;
  try {
    state = await newState(window.location.pathname);
  } catch (err) {
    const code = reasonCode(err);
    for (const article of rows) showVerdict(article, msgs, { code });
    const reason = msgs[`reason.${code}`] || msgs["reason.internal"];
    status.replaceChildren(paragraph(format(msgs.error, { reason })));
    status.setAttribute("data-done", "error");
    button.textContent = msgs.again;
    button.disabled = false;
    return;
  }
  let ok = 0;
  const failed = [];
  const passed = new Set();
  for (const article of rows) {
    const index = article.getAttribute("data-log-index");
    try {
      const text = article.querySelector(".receipt").textContent;
      showVerdict(article, msgs, { ok: await verifyRow(index, text, state, shownOf(article)) });
      ok += 1;
      passed.add(article);
    } catch (err) {
      showVerdict(article, msgs, { code: reasonCode(err) });
      failed.push(`#${index}`);
    }
  }
  // Every row shown is a link of the subject's chain, with a receipt yet or not: one left
  // out between two shown ones breaks the chain of the one after it.
  const links = [];
  for (const article of articles) {
    try {
      const { opening } = shownOf(article);
      if (opening !== null && opening.secret && opening.leaf && opening.leaf.v === 2) {
        links.push({ index: Number(article.getAttribute("data-log-index")), leaf: opening.leaf,
          secret: b64decode(opening.secret, "secret", "commit"), article });
      }
    } catch (err) {
      // A row whose opening does not parse has failed above, or has no receipt to check.
    }
  }
  for (const gap of await chainGaps(links)) {
    const { article } = links.find((l) => l.index === gap);
    showVerdict(article, msgs, { code: "gap" });
    if (passed.delete(article)) {
      ok -= 1;
      failed.push(`#${gap}`);
    }
  }
  const summary = [paragraph(format(msgs.summary, {
    ok, failed: failed.length, pending: articles.length - rows.length,
  }))];
  if (failed.length > 0) summary.push(paragraph(format(msgs.failed_rows, { rows: failed.join(", ") })));
  const anchor = paragraph(format(msgs.anchor, {
    size: state.latest.size, root: b64encode(state.latest.root),
  }));
  const key = document.createElement("code");
  key.className = "vkey";
  key.textContent = state.vkey.text;
  anchor.append(" ", key);
  summary.push(anchor);
  status.replaceChildren(...summary);
  status.setAttribute("data-done", failed.length === 0 ? "ok" : "failed");
  button.textContent = msgs.again;
  button.disabled = false;
}

async function supported() {
  if (!window.isSecureContext || !window.crypto || !crypto.subtle || !window.DOMParser) {
    return false;
  }
  try {
    await crypto.subtle.importKey("raw", PROBE_KEY, { name: "Ed25519" }, false, ["verify"]);
    await sha256(new Uint8Array(0));
    return true;
  } catch (err) {
    return false;
  }
}

async function init() {
  const section = document.getElementById("receipt-verifier");
  const source = document.getElementById("verify-messages");
  if (section === null || source === null) return;
  const button = section.querySelector("#verify-receipts");
  const status = section.querySelector("#verify-status");
  const msgs = JSON.parse(source.textContent);
  if (!(await supported())) {
    status.replaceChildren(paragraph(msgs.unsupported));
    return;
  }
  button.addEventListener("click", () => {
    run(button, status, msgs);
  });
  button.hidden = false;
}

init();
