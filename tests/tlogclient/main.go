// Command tlogclient reads Credence's query log the way any tlog client does: with Go's
// stock golang.org/x/mod/sumdb/{note,tlog}, over HTTP, trusting only the verifier key.
//
// It verifies the latest checkpoint's signature, rebuilds the tree hash from the C2SP
// tlog-tiles hash tiles, proves the inclusion of the records it is given, and checks
// every earlier published checkpoint against the latest one with the log's consistency
// proofs (and with proofs it computes from the tiles itself). It prints OK lines and
// exits 0, or names the first check that failed and exits 1.
//
// Usage: tlogclient -log http://host/api/v1/public/log -vkey http://host/api/v1/public/log-key \
//
//	[-record INDEX:BASE64_LEAF_HASH ...]
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// C2SP tlog-tiles has one tile height, and no height in its paths.
const tileHeight = 8

var client = &http.Client{Timeout: 30 * time.Second}

func fetch(url string) ([]byte, error) {
	res, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return body, nil
}

// tileIndex writes N as tlog-tiles does: 3-digit groups, all but the last led by "x".
func tileIndex(n int64) string {
	groups := []string{fmt.Sprintf("%03d", n%1000)}
	for n /= 1000; n > 0; n /= 1000 {
		groups = append([]string{fmt.Sprintf("x%03d", n%1000)}, groups...)
	}
	return strings.Join(groups, "/")
}

// c2spPath maps a tlog.Tile to its C2SP path: tile/<L>/<N>[.p/<W>], no height segment.
func c2spPath(t tlog.Tile) (string, error) {
	if t.H != tileHeight || t.L < 0 {
		return "", fmt.Errorf("no C2SP hash tile for %+v", t)
	}
	path := fmt.Sprintf("tile/%d/%s", t.L, tileIndex(t.N))
	if t.W < 1<<tileHeight {
		path += fmt.Sprintf(".p/%d", t.W)
	}
	return path, nil
}

// tileReader is a tlog.TileReader over a C2SP tlog-tiles prefix.
type tileReader struct {
	prefix  string
	fetched int
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		path, err := c2spPath(t)
		if err != nil {
			return nil, err
		}
		body, err := fetch(r.prefix + "/" + path)
		if err != nil {
			return nil, err
		}
		if len(body) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d", path, len(body), t.W*tlog.HashSize)
		}
		data[i] = body
		r.fetched++
	}
	return data, nil
}

// SaveTiles: nothing is cached between runs.
func (r *tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// openCheckpoint verifies a signed note with the log's key and parses its first 3 lines.
func openCheckpoint(text []byte, verifiers note.Verifiers) (checkpoint, error) {
	n, err := note.Open(text, verifiers)
	if err != nil {
		return checkpoint{}, err
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		return checkpoint{}, fmt.Errorf("checkpoint body has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("bad tree size %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("bad root hash %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], raw)
	return checkpoint{origin: lines[0], size: size, root: root}, nil
}

func decodeHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize {
		return h, fmt.Errorf("bad hash %q", s)
	}
	copy(h[:], raw)
	return h, nil
}

type records []string

func (r *records) String() string     { return strings.Join(*r, ",") }
func (r *records) Set(v string) error { *r = append(*r, v); return nil }

type published struct {
	Size int64  `json:"size"`
	Root string `json:"root"`
	Note string `json:"note"`
}

type page struct {
	Items      []published `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

type consistency struct {
	From  int64    `json:"from"`
	To    int64    `json:"to"`
	Proof []string `json:"proof"`
}

func run() error {
	prefix := flag.String("log", "", "the log's tlog-tiles prefix URL")
	vkeyURL := flag.String("vkey", "", "URL of the log's note verifier key")
	var recs records
	flag.Var(&recs, "record", "INDEX:BASE64_LEAF_HASH of a record to prove (repeatable)")
	flag.Parse()
	if *prefix == "" || *vkeyURL == "" {
		return fmt.Errorf("-log and -vkey are required")
	}
	base := strings.TrimRight(*prefix, "/")

	vkey, err := fetch(*vkeyURL)
	if err != nil {
		return err
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return fmt.Errorf("note.NewVerifier rejects the log key: %w", err)
	}
	verifiers := note.VerifierList(verifier)
	fmt.Printf("OK verifier key %s accepted by note.NewVerifier\n", verifier.Name())

	text, err := fetch(base + "/checkpoint")
	if err != nil {
		return err
	}
	latest, err := openCheckpoint(text, verifiers)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	fmt.Printf("OK checkpoint signature verified: origin %s, size %d\n", latest.origin, latest.size)

	reader := &tileReader{prefix: base}
	hashes := tlog.TileHashReader(tlog.Tree{N: latest.size, Hash: latest.root}, reader)
	treeHash, err := tlog.TreeHash(latest.size, hashes)
	if err != nil {
		return fmt.Errorf("tree hash from tiles: %w", err)
	}
	if treeHash != latest.root {
		return fmt.Errorf("tree hash from tiles %s != checkpoint root %s", treeHash, latest.root)
	}
	fmt.Printf("OK tree hash from %d tiles equals the checkpoint root %s\n", reader.fetched, treeHash)

	for _, rec := range recs {
		idxText, hashText, found := strings.Cut(rec, ":")
		if !found {
			return fmt.Errorf("bad -record %q", rec)
		}
		idx, err := strconv.ParseInt(idxText, 10, 64)
		if err != nil {
			return fmt.Errorf("bad -record index %q", idxText)
		}
		leaf, err := decodeHash(hashText)
		if err != nil {
			return err
		}
		proof, err := tlog.ProveRecord(latest.size, idx, hashes)
		if err != nil {
			return fmt.Errorf("prove record %d: %w", idx, err)
		}
		if err := tlog.CheckRecord(proof, latest.size, latest.root, idx, leaf); err != nil {
			return fmt.Errorf("record %d: %w", idx, err)
		}
		forged := leaf
		forged[0] ^= 1
		if tlog.CheckRecord(proof, latest.size, latest.root, idx, forged) == nil {
			return fmt.Errorf("record %d: a forged leaf hash was accepted", idx)
		}
		fmt.Printf("OK record %d included (%d-hash proof from tiles)\n", idx, len(proof))
	}

	var history []published
	after := ""
	for {
		body, err := fetch(base + "/checkpoints?limit=2" + after)
		if err != nil {
			return err
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			return fmt.Errorf("checkpoint history: %w", err)
		}
		history = append(history, p.Items...)
		if p.NextCursor == nil {
			break
		}
		after = "&cursor=" + url.QueryEscape(*p.NextCursor)
	}
	checked := 0
	for _, item := range history {
		old, err := openCheckpoint([]byte(item.Note), verifiers)
		if err != nil {
			return fmt.Errorf("history checkpoint %d: %w", item.Size, err)
		}
		if old.size != item.Size || old.root.String() != item.Root {
			return fmt.Errorf("history checkpoint %d: listed size or root differ from its note", item.Size)
		}
		if old.size == 0 || old.size >= latest.size {
			continue
		}
		body, err := fetch(fmt.Sprintf("%s/proof/consistency?from=%d&to=%d", base, old.size, latest.size))
		if err != nil {
			return err
		}
		var c consistency
		if err := json.Unmarshal(body, &c); err != nil {
			return fmt.Errorf("consistency proof: %w", err)
		}
		proof := make(tlog.TreeProof, len(c.Proof))
		for i, h := range c.Proof {
			if proof[i], err = decodeHash(h); err != nil {
				return err
			}
		}
		if err := tlog.CheckTree(proof, latest.size, latest.root, old.size, old.root); err != nil {
			return fmt.Errorf("consistency %d -> %d: %w", old.size, latest.size, err)
		}
		own, err := tlog.ProveTree(latest.size, old.size, hashes)
		if err != nil {
			return fmt.Errorf("consistency from tiles: %w", err)
		}
		if fmt.Sprint(own) != fmt.Sprint(proof) {
			return fmt.Errorf("consistency %d -> %d: the log's proof differs from the tiles'", old.size, latest.size)
		}
		oldHash, err := tlog.TreeHash(old.size, hashes)
		if err != nil || oldHash != old.root {
			return fmt.Errorf("tree hash of %d from tiles does not match its checkpoint", old.size)
		}
		fmt.Printf("OK checkpoint %d consistent with %d (%d-hash proof)\n", old.size, latest.size, len(proof))
		checked++
	}
	fmt.Printf("OK %d checkpoints listed, %d checked for consistency\n", len(history), checked)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}
