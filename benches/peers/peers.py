#!/usr/bin/env python3
"""Peer baselines for smsguard: fastText (jieba words), TF-IDF char n-grams + LR, and
TF-IDF char 1-4 grams + a linear SVM (the strongest model on the project owner's unseen
set, ../shared/FINDINGS.md of 2026-12-02).

Trains every peer on exactly one training TSV, evaluates them on one or more
eval TSVs and writes one JSON report. See README.md beside this file for the
metric definitions and the fairness notes.

Usage:
  python3 peers.py --train TRAIN.tsv --eval NAME=FILE.tsv [--eval ...] \
      --workdir DIR --out peers.json [--seed 1] [--threads 2]

Everything that is not the JSON report goes to stderr; stdout stays quiet.
"""

import argparse
import importlib.metadata
import json
import logging
import os
import pickle
import platform
import random
import re
import statistics
import sys
import time

LABELS = ("marketing", "verification", "transactional", "personal")
FT_PREFIX = "__label__"
TIMING_MAX = 2000  # messages timed per eval file
TIMING_WARMUP = 20  # untimed calls before timing

# fastText settings (kept fixed so runs are comparable).
FT_EPOCH = 25
FT_LR = 0.5
FT_WORD_NGRAMS = 2
FT_DIM = 50
FT_MIN_COUNT = 1
FT_BUCKET = 2_000_000
FT_LOSS = "softmax"
FT_CUTOFF = 100_000  # rows (words + n-gram buckets) kept by quantization
FT_DSUB = 2

# TF-IDF + LR settings.
TFIDF_NGRAMS = (1, 3)
TFIDF_MIN_DF = 2
LR_MAX_ITER = 2000
LR_C = 1.0

# TF-IDF char 1-4 + LinearSVC settings: those FINDINGS.md reports.
SVM_NGRAMS = (1, 4)
SVM_MIN_DF = 2
SVM_MAX_FEATURES = 600_000
SVM_C = 0.5

# Placeholders emitted by the Rust normalizer, e.g. <N4>, <N9-10>, <N12+>,
# <URL>, <EMAIL>. They are kept as single tokens for the word-level peer.
PLACEHOLDER_RE = re.compile(r"<[A-Z][A-Z0-9_+\-]*>")


def log(msg):
    print(f"[peers] {msg}", file=sys.stderr, flush=True)


def die(msg):
    print(f"peers.py: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


# --------------------------------------------------------------------------
# Input


def read_tsv(path):
    """Return (labels, texts) from `label<TAB>text[<TAB>anything]`."""
    labels, texts = [], []
    try:
        fh = open(path, encoding="utf-8", newline="")
    except OSError as e:
        die(f"cannot open {path}: {e}")
    with fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                die(f"{path}:{lineno}: expected label<TAB>text, found no tab")
            label = parts[0].strip()
            if label not in LABELS:
                die(
                    f"{path}:{lineno}: unknown label {label[:40]!r}; "
                    f"expected one of {', '.join(LABELS)}"
                )
            labels.append(label)
            texts.append(parts[1])
    if not labels:
        die(f"{path}: no rows")
    return labels, texts


def parse_eval(spec):
    name, sep, path = spec.partition("=")
    if not sep or not name or not path:
        die(f"--eval expects NAME=FILE.tsv, got {spec!r}")
    return name, path


# --------------------------------------------------------------------------
# Metrics


def metrics(truth, pred):
    """Per-class P/R/F1, macro-F1 and the confusion matrix.

    Rules (no library zero_division defaults involved):
      precision = tp / (tp + fp), 0 when nothing was predicted as the class;
      recall    = tp / (tp + fn), 0 when the class is absent from truth;
      f1        = 2PR / (P + R), 0 when P + R == 0;
      macro_f1 is the mean F1 over the classes present in truth, as
      smsguard-train's metrics compute it (a set without personal messages
      is scored on three classes; predictions of an absent class still cost
      the other classes' precision).
    """
    idx = {lab: i for i, lab in enumerate(LABELS)}
    conf = [[0] * len(LABELS) for _ in LABELS]
    for t, p in zip(truth, pred):
        conf[idx[t]][idx[p]] += 1
    prec, rec, f1 = {}, {}, {}
    for i, lab in enumerate(LABELS):
        tp = conf[i][i]
        support = sum(conf[i])
        predicted = sum(conf[r][i] for r in range(len(LABELS)))
        p = tp / predicted if predicted else 0.0
        r = tp / support if support else 0.0
        f = 2 * p * r / (p + r) if (p + r) > 0 else 0.0
        prec[lab], rec[lab], f1[lab] = p, r, f
    present = [lab for i, lab in enumerate(LABELS) if sum(conf[i]) > 0]
    macro = sum(f1[lab] for lab in present) / len(present) if present else 0.0
    return {
        "n": len(truth),
        "macro_f1": round(macro, 6),
        "f1": {k: round(v, 6) for k, v in f1.items()},
        "precision": {k: round(v, 6) for k, v in prec.items()},
        "recall": {k: round(v, 6) for k, v in rec.items()},
        "confusion": conf,
        "verification_to_marketing": conf[idx["verification"]][idx["marketing"]],
        "personal_to_marketing": conf[idx["personal"]][idx["marketing"]],
    }


def timing_indices(n, seed):
    """Deterministic sample of up to TIMING_MAX message indices, in file order."""
    if n <= TIMING_MAX:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), TIMING_MAX))


def time_single(predict_one, texts, expected, seed):
    """Median wall time (µs) of one end-to-end prediction call per message."""
    idxs = timing_indices(len(texts), seed)
    for i in idxs[:TIMING_WARMUP]:
        predict_one(texts[i])
    samples = []
    mismatches = 0
    clock = time.perf_counter_ns
    for i in idxs:
        t0 = clock()
        label = predict_one(texts[i])
        t1 = clock()
        samples.append(t1 - t0)
        if label != expected[i]:
            mismatches += 1
    if mismatches:
        # Single and batch prediction should agree; flag it if they do not.
        log(f"warning: {mismatches} single-message predictions differ from batch ones")
    return round(statistics.median(samples) / 1000.0, 3)


# --------------------------------------------------------------------------
# Peer a: fastText on jieba words, quantized


class FastTextPeer:
    name = "fastText (jieba words, quantized .ftz)"

    def __init__(self, workdir, seed, threads):
        import fasttext  # noqa: F401  (import check before any work)
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.dt.tmp_dir = workdir  # keep jieba's dictionary cache in the workdir
        jieba.initialize()  # dictionary load happens here, outside any timing
        self._jieba = jieba
        self.workdir = workdir
        self.seed = seed
        self.threads = threads
        self.model = None
        self.fallback = None

    def segment(self, text):
        """jieba words joined by single spaces; placeholders stay whole."""
        out = []
        pos = 0
        lcut = self._jieba.lcut
        for m in PLACEHOLDER_RE.finditer(text):
            if m.start() > pos:
                out.extend(lcut(text[pos:m.start()]))
            out.append(m.group(0))
            pos = m.end()
        if pos < len(text):
            out.extend(lcut(text[pos:]))
        # fastText splits on whitespace; drop whitespace-only tokens and
        # strip any stray whitespace inside a token.
        return " ".join("".join(t.split()) for t in out if t.strip())

    def train(self, labels, texts):
        import fasttext

        t0 = time.perf_counter()
        train_path = os.path.join(self.workdir, "fasttext_train.txt")
        with open(train_path, "w", encoding="utf-8") as fh:
            for lab, text in zip(labels, texts):
                fh.write(f"{FT_PREFIX}{lab} {self.segment(text)}\n")
        t_seg = time.perf_counter() - t0
        log(f"fastText: segmented {len(texts)} training rows in {t_seg:.1f}s")
        model = fasttext.train_supervised(
            input=train_path,
            epoch=FT_EPOCH,
            lr=FT_LR,
            wordNgrams=FT_WORD_NGRAMS,
            dim=FT_DIM,
            minCount=FT_MIN_COUNT,
            bucket=FT_BUCKET,
            loss=FT_LOSS,
            thread=self.threads,
            seed=self.seed,
            verbose=0,
        )
        log(f"fastText: trained in {time.perf_counter() - t0 - t_seg:.1f}s; quantizing")
        model.quantize(
            input=train_path,
            retrain=True,
            qnorm=True,
            cutoff=FT_CUTOFF,
            dsub=FT_DSUB,
            thread=self.threads,
            verbose=0,
        )
        self.model_path = os.path.join(self.workdir, "fasttext.ftz")
        model.save_model(self.model_path)
        self.train_seconds = time.perf_counter() - t0
        self.model_bytes = os.path.getsize(self.model_path)
        self.model = model
        # Only used if fastText returns no label at all (cannot happen with
        # the end-of-sentence token in the vocabulary, but keep it total).
        self.fallback = max(LABELS, key=labels.count)
        log(
            f"fastText: done in {self.train_seconds:.1f}s, "
            f".ftz {self.model_bytes} bytes"
        )

    def predict_one(self, text):
        lab, _ = self.model.predict(self.segment(text), k=1)
        return lab[0][len(FT_PREFIX):] if lab else self.fallback

    def predict_batch(self, texts):
        return [self.predict_one(t) for t in texts]


# --------------------------------------------------------------------------
# Peer b: TF-IDF char 1-3 grams + logistic regression


class TfidfLrPeer:
    name = "TF-IDF char 1-3 grams + LogisticRegression"
    short = "TF-IDF+LR"
    pickle_name = "tfidf_lr.pkl"

    def __init__(self, workdir, seed, threads):
        self.workdir = workdir
        self.seed = seed
        self.threads = threads

    def vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer="char",
            ngram_range=TFIDF_NGRAMS,
            min_df=TFIDF_MIN_DF,
            sublinear_tf=True,
            lowercase=False,  # text is already normalized by smsguard
        )

    def classifier(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=LR_C,
            class_weight="balanced",
            max_iter=LR_MAX_ITER,
            random_state=self.seed,
        )

    def fit_note(self, clf):
        """What to log about the fit: the iteration count, warning at the cap."""
        n_iter = int(max(clf.n_iter_))
        if n_iter >= LR_MAX_ITER:
            log(f"warning: LogisticRegression hit max_iter={LR_MAX_ITER}")
        return f" ({n_iter} iterations)"

    def train(self, labels, texts):
        from threadpoolctl import threadpool_limits

        t0 = time.perf_counter()
        with threadpool_limits(limits=self.threads):
            vec = self.vectorizer()
            X = vec.fit_transform(texts)
            log(f"{self.short}: {X.shape[1]} features")
            clf = self.classifier()
            clf.fit(X, labels)
        self.train_seconds = time.perf_counter() - t0
        note = self.fit_note(clf)
        self.model_path = os.path.join(self.workdir, self.pickle_name)
        with open(self.model_path, "wb") as fh:
            pickle.dump((vec, clf), fh, protocol=5)
        self.model_bytes = os.path.getsize(self.model_path)
        self.vec, self.clf = vec, clf
        log(
            f"{self.short}: done in {self.train_seconds:.1f}s{note}, "
            f"pickle {self.model_bytes} bytes"
        )

    def predict_one(self, text):
        return str(self.clf.predict(self.vec.transform([text]))[0])

    def predict_batch(self, texts):
        return [str(p) for p in self.clf.predict(self.vec.transform(texts))]


# --------------------------------------------------------------------------
# Peer c: TF-IDF char 1-4 grams + linear SVM: peer b with another vectorizer and classifier


class TfidfSvmPeer(TfidfLrPeer):
    name = "TF-IDF char 1-4 grams + LinearSVC"
    short = "TF-IDF+SVM"
    pickle_name = "tfidf_svm.pkl"

    def vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer="char",
            ngram_range=SVM_NGRAMS,
            min_df=SVM_MIN_DF,
            max_features=SVM_MAX_FEATURES,
            sublinear_tf=True,
            lowercase=False,
        )

    def classifier(self):
        from sklearn.svm import LinearSVC

        return LinearSVC(C=SVM_C, class_weight="balanced", random_state=self.seed)

    def fit_note(self, clf):
        return ""


# --------------------------------------------------------------------------


def versions():
    def v(dist):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "python": platform.python_version(),
        "fasttext": v("fasttext-wheel") or v("fasttext"),
        "sklearn": v("scikit-learn"),
        "jieba": v("jieba"),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", required=True, help="training TSV")
    ap.add_argument(
        "--eval", action="append", required=True, metavar="NAME=FILE.tsv",
        help="eval set (repeatable)",
    )
    ap.add_argument("--workdir", required=True, help="scratch dir for models")
    ap.add_argument("--out", required=True, help="JSON report path")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2, help="training threads")
    args = ap.parse_args(argv)
    if args.threads < 1:
        die("--threads must be >= 1")

    evals = [parse_eval(s) for s in args.eval]
    names = [n for n, _ in evals]
    if len(set(names)) != len(names):
        die("duplicate --eval NAME")

    os.makedirs(args.workdir, exist_ok=True)
    train_labels, train_texts = read_tsv(args.train)
    counts = {lab: train_labels.count(lab) for lab in LABELS}
    log(f"train: {len(train_labels)} rows {counts}")
    missing = [lab for lab, c in counts.items() if c == 0]
    if missing:
        die(f"{args.train}: no training rows for {', '.join(missing)}")
    eval_data = []
    for name, path in evals:
        labs, texts = read_tsv(path)
        log(f"eval {name}: {len(labs)} rows")
        eval_data.append((name, labs, texts))

    from threadpoolctl import threadpool_limits

    peers_out = []
    for cls in (FastTextPeer, TfidfLrPeer, TfidfSvmPeer):
        peer = cls(args.workdir, args.seed, args.threads)
        log(f"training {peer.name}")
        peer.train(train_labels, train_texts)
        results = []
        for name, labs, texts in eval_data:
            with threadpool_limits(limits=1):  # single thread for prediction
                pred = peer.predict_batch(texts)
                us = time_single(peer.predict_one, texts, pred, args.seed)
            res = {"data": name}
            res.update(metrics(labs, pred))
            res["us_per_message"] = us
            log(
                f"{peer.name} on {name}: macro_f1={res['macro_f1']:.4f} "
                f"v->m={res['verification_to_marketing']} {us:.1f} us/msg"
            )
            results.append(res)
        peers_out.append(
            {
                "name": peer.name,
                "model_bytes": peer.model_bytes,
                "train_seconds": round(peer.train_seconds, 3),
                "results": results,
            }
        )
        del peer

    report = {"peers": peers_out, "versions": versions()}
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(report, fh, ensure_ascii=False, indent=2, allow_nan=False)
        fh.write("\n")
    os.replace(tmp, args.out)
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
