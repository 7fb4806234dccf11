"""The learned layer beside the rules: a level (and department) classifier trained on vignettes.

Why: rules fit the wording they were tuned on (blind set B, sealed while A was
tuned: emergency sensitivity 0.687). A character n-gram model trained on many
independently written vignettes reads paraphrases, dialect and typos the rules
have no word for. It never replaces the rules: :func:`combine` keeps the rules'
level as a floor and only *raises* a case when the model's probability passes a
threshold chosen by grouped cross-validation (``data/triage/learned.yml``); the
one way down it may take is routine → self-care, and only where the rules saw
no red flag, no safety net and no risk group.

The model is trained deterministically at first use from the staff-readable
corpus (``data/triage/corpus/*.jsonl``, a few seconds) - no pickled weights to
go stale against the library version. scikit-learn is imported here only, so
the edge's red-flag check never waits for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from services.clinical.triage.denied_clauses import without_denied_clauses
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR
from services.clinical.triage.models import TriageLevel
from services.clinical.triage.negation import is_negated

log = logging.getLogger(__name__)

CORPUS_DIR = DEFAULT_DATA_DIR / "corpus"
SETTINGS_FILE = DEFAULT_DATA_DIR / "learned.yml"
#: Fitted weights kept between processes, in the project's var/ (never committed, as
#: config.VAR; not imported from config, which the Rasa venv's processes cannot load).
DEFAULT_CACHE_DIR = DEFAULT_DATA_DIR.parents[1] / "var" / "cache" / "triage_learned"
#: Bumped when the saved arrays change shape or meaning.
CACHE_FORMAT = 1
#: Fits kept in the cache (a process on the previous data still finds its own).
KEPT_FITS = 3
#: Class order of the level model (index = severity).
LEVELS = (TriageLevel.SELF_CARE, TriageLevel.ROUTINE, TriageLevel.URGENT, TriageLevel.EMERGENCY)


class CourseHold(BaseModel):
    """A treatment course of an ordinary complaint: the layer may raise it to urgent, not to emergency.

    Patterns may use the named fragments of red_flags.yml (``{TREATMENT_COURSE}``).
    """

    model_config = ConfigDict(extra="forbid")

    source: str
    #: The course said ("吃了三天", "吃了药还烧", "医生开的").
    course: str
    #: Complaints (symptoms.yml ids) a course is ordinarily taken for; every complaint the rules read must be one.
    complaints: list[str] = Field(min_length=1)
    #: When the rules read no complaint: an ordinary complaint or its medicine said ("还是咳", "消炎药").
    named: str
    #: Never held when said: an accidental or someone else's medicine, a high-risk drug, a drug reaction.
    unless: str
    #: Nets (nets.yml ids, urgent ones) that may have fired and still be held: the fever net of a child over
    #: one or an adult at 39 ("吃了退烧药两个小时了还是39度" is urgent by the net, not an emergency).
    nets: list[str] = Field(default_factory=list)
    #: The highest temperature said that may still be held (with ``nets``); None: 38.4 as for self-care.
    max_temperature: float | None = Field(default=None, ge=38.4, le=40.0)


class QuietTopic(BaseModel):
    """A presentation that is not acute as a whole (a toddler's late speech, a squint, a treated blood pressure)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    source: str
    #: What names the presentation (red_flags.yml fragments allowed); a negated mention does not count.
    said: str
    #: Never held when said, even denied: this presentation's own acute or dangerous forms.
    unless: str | None = None
    #: Only for a child (under 14 or called 孩子/宝宝): "不会说话" of an adult is a stroke word.
    child: bool = False
    #: Names blanked before the shared acute words are searched, for this topic only: the
    #: 喘 of 哮喘 named in a refill request is the illness's name, not breathlessness.
    masks: str | None = None


class QuietHold(BaseModel):
    """Presentations the layer alone may raise to urgent at most (see services/clinical/triage/quiet_hold.py)."""

    model_config = ConfigDict(extra="forbid")

    #: Never held when said, even denied, whatever the topic: the acute words of any presentation.
    acute: str
    topics: list[QuietTopic] = Field(min_length=1)


class LearnedSettings(BaseModel):
    """Thresholds and hyper-parameters, chosen by grouped cross-validation (see the file's comments)."""

    model_config = ConfigDict(extra="forbid")

    source: str
    #: P(emergency) at or above which the case is raised to emergency.
    emergency: float = Field(gt=0, le=1)
    #: P(emergency) + P(urgent) at or above which the case is raised to at least urgent.
    urgent: float = Field(gt=0, le=1)
    #: The same, when the rules answered self-care (two levels up: their mild-complaint checks all passed).
    urgent_from_self_care: float = Field(default=1.0, gt=0, le=1.01)
    #: P(self_care) at or above which a clean routine answer may become self-care.
    self_care: float = Field(gt=0, le=1)
    #: P(department) at or above which the model's department joins the top three.
    department: float = Field(gt=0, le=1)
    #: Shortest message (Chinese characters; three pinyin letters count as one) the model may act on.
    min_characters: int = Field(default=12, ge=0)
    #: Where the layer may raise to urgent at most (see :class:`CourseHold`); no hold when absent.
    course_hold: CourseHold | None = None
    #: Non-acute presentations the layer alone may raise to urgent at most; no hold when absent.
    quiet_hold: QuietHold | None = None
    ngram_min: int = Field(default=1, ge=1)
    ngram_max: int = Field(default=3, ge=1)
    c: float = Field(default=10.0, gt=0)


@dataclass(frozen=True, slots=True)
class Vignette:
    """One labelled case of the training corpus (the blind-set JSONL format)."""

    id: str
    text: str
    level: TriageLevel
    departments: tuple[str, ...]
    family: str
    age: float | None = None
    sex: str | None = None
    pregnant: bool | None = None
    #: ``"use": "train_only"``: always trained on, never scored (the in-house, in-sample vignettes).
    train_only: bool = False

    @property
    def group(self) -> str:
        """Cross-validation group: the corpus file and the coarse family ("acs_atypical_jaw" → "acs")."""
        return f"{self.id[:1]}:{self.family.split('_')[0]}"


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's view of one text: level probabilities and ranked departments."""

    probabilities: dict[TriageLevel, float]
    departments: tuple[tuple[str, float], ...]

    @property
    def emergency(self) -> float:
        return self.probabilities[TriageLevel.EMERGENCY]

    @property
    def at_least_urgent(self) -> float:
        return self.probabilities[TriageLevel.EMERGENCY] + self.probabilities[TriageLevel.URGENT]

    @property
    def self_care(self) -> float:
        return self.probabilities[TriageLevel.SELF_CARE]


@dataclass(frozen=True, slots=True)
class Decision:
    """The combined level and, when the model moved it, what moved it (for ``reasons``)."""

    level: TriageLevel
    moved: str | None = None
    probability: float | None = None


def load_settings(path: Path = SETTINGS_FILE) -> LearnedSettings:
    with path.open(encoding="utf-8") as handle:
        return LearnedSettings.model_validate(yaml.safe_load(handle))


def load_corpus(directory: Path = CORPUS_DIR) -> list[Vignette]:
    """Every ``*.jsonl`` of ``directory`` in name order (deterministic training)."""
    return [case for path in sorted(directory.glob("*.jsonl")) for case in load_vignettes(path)]


def load_vignettes(path: Path) -> list[Vignette]:
    """One JSONL file of labelled cases (a corpus file, or a blind set a study weighs adding)."""
    cases: list[Vignette] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        try:
            cases.append(
                Vignette(
                    id=str(row.get("id") or f"{path.stem}:{number}"),
                    text=str(row["text"]),
                    level=TriageLevel(row["expected_level"]),
                    departments=tuple(row.get("departments") or ()),
                    family=str(row.get("family") or "unknown"),
                    age=row.get("age"),
                    sex=row.get("sex"),
                    pregnant=row.get("pregnant"),
                    train_only=row.get("use") == "train_only",
                )
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path.name} line {number}: {exc}") from exc
    return cases


def given_words(age: float | None, sex: str | None, pregnant: bool | None) -> str:
    """Request fields as words the model reads ("宝宝发烧" with age 0.04 is a newborn's fever)."""
    words = []
    if age is not None:
        if age < 28 / 365:
            words.append("新生儿")
        elif age < 1:
            words.append("婴儿")
        elif age < 14:
            words.append("孩子")
        elif age >= 65:
            words.append("老人")
    if pregnant:
        words.append("怀孕")
    return " ".join(words)


_WHITESPACE = re.compile(r"\s\s+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z]")


def characters(normalized: str) -> int:
    """How much a message says: its Chinese characters, plus one per three pinyin letters."""
    return len(_HAN.findall(normalized)) + len(_LATIN.findall(normalized)) // 3


class LevelModel:
    """TF-IDF over character 1-3-grams + logistic regression, for the level and the first department.

    Training is scikit-learn's (saga with a fixed seed: deterministic, and
    ten times faster than lbfgs on 30 department classes). One text at a time
    is scored by :meth:`predict_one`, the same arithmetic in plain Python
    over the fitted vocabulary and weights: scikit-learn's per-call checks
    cost about 1.5 ms, this about 0.1 ms (a unit test holds both equal).
    """

    def __init__(self, settings: LearnedSettings) -> None:
        self.settings = settings
        self._vectorizer: Any = None
        self._levels: Any = None
        self._departments: Any = None
        self._vocabulary: dict[str, int] = {}
        self._idf: list[float] = []
        self._level_classes: list[TriageLevel] = []
        self._dept_classes: list[str] = []
        #: (coef_, intercept_) of each model: all that scoring needs, fitted here or loaded.
        self._level_weights: tuple[Any, Any] = (None, None)
        self._dept_weights: tuple[Any, Any] = (None, None)

    def fit(self, texts: Sequence[str], levels: Sequence[TriageLevel], departments: Sequence[str | None]) -> LevelModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        s = self.settings
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(s.ngram_min, s.ngram_max), sublinear_tf=True)
        features = self._vectorizer.fit_transform(texts)
        self._levels = LogisticRegression(C=s.c, max_iter=5000, class_weight="balanced", solver="saga", random_state=0)
        self._levels.fit(features, [LEVELS.index(level) for level in levels])
        judged = [i for i, code in enumerate(departments) if code]
        # tol 1e-3: the department ranking needs no finer fit, and it was 80% of the training time.
        self._departments = LogisticRegression(C=s.c, max_iter=5000, solver="saga", random_state=0, tol=1e-3)
        self._departments.fit(features[judged], [departments[i] for i in judged])
        self._vocabulary = {str(k): int(v) for k, v in self._vectorizer.vocabulary_.items()}
        self._idf = [float(x) for x in self._vectorizer.idf_]
        self._level_classes = [LEVELS[int(i)] for i in self._levels.classes_]
        self._dept_classes = [str(c) for c in self._departments.classes_]
        self._level_weights = (self._levels.coef_, self._levels.intercept_)
        self._dept_weights = (self._departments.coef_, self._departments.intercept_)
        return self

    def save(self, path: Path) -> None:
        """The fitted weights (no pickle: arrays and JSON only), written atomically.

        What :meth:`predict_one` needs - vocabulary, idf, both models' coefficients and
        classes - so a process that finds this file skips the fit (about 10 s of CPU per
        web worker, action server and test process on the 6,585-vignette corpus)."""
        import numpy as np

        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "vocabulary": self._vocabulary,
            "idf": self._idf,
            "level_classes": [level.value for level in self._level_classes],
            "dept_classes": self._dept_classes,
        }
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(partial, "wb") as out:
            np.savez(
                out,
                meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
                level_coef=self._level_weights[0],
                level_intercept=self._level_weights[1],
                dept_coef=self._dept_weights[0],
                dept_intercept=self._dept_weights[1],
            )
        os.replace(partial, path)

    @classmethod
    def load(cls, path: Path, settings: LearnedSettings) -> LevelModel:
        """The weights :meth:`save` wrote; :meth:`predict` then scores one text at a time."""
        import numpy as np

        with np.load(path, allow_pickle=False) as saved:
            meta = json.loads(saved["meta"].tobytes().decode())
            model = cls(settings)
            model._vocabulary = {str(k): int(v) for k, v in meta["vocabulary"].items()}
            model._idf = [float(x) for x in meta["idf"]]
            model._level_classes = [TriageLevel(v) for v in meta["level_classes"]]
            model._dept_classes = [str(c) for c in meta["dept_classes"]]
            model._level_weights = (saved["level_coef"], saved["level_intercept"])
            model._dept_weights = (saved["dept_coef"], saved["dept_intercept"])
        return model

    def _features(self, text: str) -> dict[int, float]:
        """TfidfVectorizer(analyzer="char", sublinear_tf=True, norm="l2") of one text, as a sparse dict."""
        text = _WHITESPACE.sub(" ", text.lower())
        counts: dict[int, int] = {}
        for n in range(self.settings.ngram_min, min(self.settings.ngram_max, len(text)) + 1):
            for start in range(len(text) - n + 1):
                column = self._vocabulary.get(text[start : start + n])
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
        values = {col: (1.0 + math.log(count)) * self._idf[col] for col, count in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        return {col: v / norm for col, v in values.items()}

    def predict_one(self, text: str) -> Prediction:
        features = self._features(text)
        columns, values = list(features), list(features.values())
        levels = _softmax(self._level_weights, columns, values)
        probabilities = dict.fromkeys(LEVELS, 0.0)
        for level, p in zip(self._level_classes, levels, strict=True):
            probabilities[level] = p
        depts = _softmax(self._dept_weights, columns, values)
        order = sorted(range(len(depts)), key=lambda i: -depts[i])[:3]
        return Prediction(probabilities, tuple((self._dept_classes[i], depts[i]) for i in order))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if self._vectorizer is None:  # loaded from disk: no scikit-learn objects to batch with
            return [self.predict_one(text) for text in texts]
        features = self._vectorizer.transform(texts)
        levels = self._levels.predict_proba(features)
        codes = self._departments.classes_
        departments = self._departments.predict_proba(features)
        out = []
        for row, dept_row in zip(levels, departments, strict=True):
            probabilities = dict.fromkeys(LEVELS, 0.0)
            for index, p in zip(self._levels.classes_, row, strict=True):
                probabilities[LEVELS[int(index)]] = float(p)
            order = sorted(range(len(codes)), key=lambda i: -dept_row[i])[:3]
            out.append(Prediction(probabilities, tuple((str(codes[i]), float(dept_row[i])) for i in order)))
        return out


def _softmax(weights: tuple[Any, Any], columns: list[int], values: list[float]) -> list[float]:
    """Multinomial logistic regression's probabilities from the few non-zero features."""
    coef, intercept = weights
    scores = [float(x) for x in coef[:, columns] @ values + intercept]
    top = max(scores)
    exps = [math.exp(score - top) for score in scores]
    total = sum(exps)
    return [e / total for e in exps]


def first_department(case: Vignette) -> str | None:
    """The department a non-emergency case should see first (``emergency`` is the level's job)."""
    return next((code for code in case.departments if code != "emergency"), None)


def train(
    cases: Sequence[Vignette],
    settings: LearnedSettings,
    normalize: Callable[[str], str],
    cache_dir: Path | None = None,
) -> LevelModel:
    """Fit on the corpus, or load the weights an earlier fit on exactly the same inputs saved.

    The cache key is a digest of everything the fit sees - the normalised training texts (so
    a changed lexicon or normaliser is a new key), levels, departments, settings and the
    scikit-learn and NumPy versions - so a stale file is never used, only left unused."""
    texts = [features_text(normalize(c.text), c.age, c.sex, c.pregnant) for c in cases]
    levels = [c.level for c in cases]
    departments = [first_department(c) for c in cases]
    cached = _cache_path(cache_dir, texts, levels, departments, settings)
    if cached is not None and cached.exists():
        try:
            return LevelModel.load(cached, settings)
        except (OSError, ValueError, KeyError) as exc:  # a torn or foreign file: fit again
            log.warning("triage learned layer: cache %s unreadable (%s), fitting", cached.name, exc)
    model = LevelModel(settings).fit(texts, levels, departments)
    if cached is not None:
        try:
            model.save(cached)
            _prune(cached.parent, keep=KEPT_FITS)
        except OSError as exc:  # a read-only disk costs the next process a fit, nothing else
            log.warning("triage learned layer: cache not written (%s)", exc)
    return model


def _prune(cache_dir: Path, keep: int) -> None:
    """Only the newest few fits stay (each is ~27 MB; every edit of the corpus or lexicon makes one)."""
    fits = sorted(cache_dir.glob("levels-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in fits[keep:]:
        stale.unlink(missing_ok=True)


def _cache_path(
    cache_dir: Path | None,
    texts: Sequence[str],
    levels: Sequence[TriageLevel],
    departments: Sequence[str | None],
    settings: LearnedSettings,
) -> Path | None:
    if cache_dir is None:
        return None
    from importlib.metadata import version  # not importing scikit-learn itself: ~1 s a process

    digest = hashlib.sha256()
    for part in (
        json.dumps([list(texts), [level.value for level in levels], list(departments)], ensure_ascii=False),
        settings.model_dump_json(),
        version("scikit-learn"),
        version("numpy"),
        str(CACHE_FORMAT),
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return cache_dir / f"levels-{digest.hexdigest()[:32]}.npz"


#: Signs whose denial reassures ("不喘", "没晕过", "没有胸痛、气短"): when the negation reader (negation.py,
#: the rules' own) says one is denied, the model reads it in characters of its own (:func:`denied`), so the
#: n-grams of 喘 or 晕 stand for a sign that was said, while "不喘" still tells the model a breathing
#: question was answered. A closed list on purpose: a denial that is itself a finding ("不吃奶", "不认人",
#: "没放屁", "不褪色", "没感觉到胎动", "没想过怎么做") keeps its words. Longest first ("胸口疼" is one sign).
DENIED_SIGNS = re.compile(
    r"(?:头|胸口|胸|心口|肚子|肚|腹部|腹|腰|后背|背|脖子|颈|嗓子|喉咙|耳朵|眼睛|牙|关节)?(?:疼|痛)"
    r"|呼吸困难|喘不上气|喘气|气短|气促|气急|憋气|憋|喘|胸闷|胸口闷|心慌|心悸"
    r"|头晕|头昏|晕倒|晕厥|晕|昏倒|昏迷|昏|抽搐|抽筋|抽"
    r"|发烧|发热|高烧|烧|发冷|寒战|冷汗|出汗"
    r"|呕吐|吐血|吐|呕|恶心|拉肚子|拉稀|腹泻|便血|黑便|出血|流血|见红|破水|血"
    r"|咳嗽|咳|肿|麻木|麻|发紫|发青|紫|红|痒|黄|皮疹|疹子|疹|风团|起泡|水泡|破皮|歪"
)
#: A denied character is read as this private-use code point plus its own (plane 15, never typed).
DENIED_OFFSET = 0xF0000


def denied(sign: str) -> str:
    """A denied sign in characters of its own: a feature apart from the same sign said."""
    return "".join(chr(DENIED_OFFSET + ord(c)) for c in sign)


def without_denials(normalized: str) -> str:
    """``normalized`` with each denied sign of :data:`DENIED_SIGNS` rewritten by :func:`denied`.

    Why marked, not removed: on grouped cross-validation of A-M (6,030 vignettes, thresholds in
    force) replacing the sign by one token "否" lost 12 levels and 7 more under-triaged cases than
    the plain text; marking kept the level (+6) and one more emergency. ``history=False``: an old
    illness ("去年得过心梗") is a risk the model should still read. Takes the
    :class:`~services.clinical.triage.normalize.Normalized` text (its clause breaks keep a denial in
    its own clause) and returns a plain ``str``.
    """
    pieces: list[str] = []
    at = 0
    for match in DENIED_SIGNS.finditer(normalized):
        if is_negated(normalized, match.start(), match.end(), history=False):
            pieces += [normalized[at : match.start()], denied(match.group(0))]
            at = match.end()
    return "".join([*pieces, normalized[at:]]) if pieces else str(normalized)


def features_text(normalized: str, age: float | None, sex: str | None, pregnant: bool | None) -> str:
    """What the model reads, at training and prediction alike: denials masked, then the request's words."""
    read = without_denials(normalized)
    extra = given_words(age, sex, pregnant)
    return f"{read} {extra}" if extra else read


def combine(
    rules: TriageLevel,
    seen: Prediction,
    settings: LearnedSettings,
    *,
    may_lower: bool,
    said: int,
    at_most: TriageLevel = TriageLevel.EMERGENCY,
) -> Decision:
    """The final level: never below the rules', raised when the model is confident enough.

    ``said`` is :func:`characters` of the message: below ``min_characters``
    (shorter than 98% of the vignettes the model learned from) its opinion is
    the base rate of a complaint in a corpus chosen to be rich in emergencies,
    not evidence, so the rules and their interview decide ("胸口疼" is asked
    about, not sent to the emergency room by a corpus statistic).

    ``may_lower`` is true only when the rules found no red flag, no safety net
    and no risk group (newborn/infant, pregnancy, postpartum, elder, high-risk
    condition, recurrence, abnormal vital sign); then a routine answer may
    become self-care when the model is confident of it.

    ``at_most`` caps how far the model may raise (a treatment course of an
    ordinary complaint: urgent); it never lowers the rules' own level.
    """
    if said < settings.min_characters:
        return Decision(rules, "too_short")
    if rules < TriageLevel.EMERGENCY and seen.emergency >= settings.emergency:
        if at_most is TriageLevel.EMERGENCY:
            return Decision(TriageLevel.EMERGENCY, "raised", seen.emergency)
        if rules < at_most:
            return Decision(at_most, "held", seen.emergency)
        return Decision(rules, "held", seen.emergency)
    urgent = settings.urgent_from_self_care if rules is TriageLevel.SELF_CARE else settings.urgent
    if rules < TriageLevel.URGENT and seen.at_least_urgent >= urgent:
        return Decision(TriageLevel.URGENT, "raised", seen.at_least_urgent)
    if rules is TriageLevel.ROUTINE and may_lower and seen.self_care >= settings.self_care:
        return Decision(TriageLevel.SELF_CARE, "lowered", seen.self_care)
    return Decision(rules)


def rank_departments(rules: list[str], seen: Prediction, settings: LearnedSettings, *, understood: bool) -> list[str]:
    """The rules' ranking, with the model's confident department brought into the top three.

    When the rules understood no complaint (the default departments), the
    model's departments lead instead.
    """
    confident = [code for code, p in seen.departments if p >= settings.department]
    if not confident:
        return rules
    if not understood:
        return list(dict.fromkeys([*confident, *rules]))
    top = confident[0]
    if top in rules[:3]:
        return rules
    head = rules[:2]
    return list(dict.fromkeys([*head, top, *rules[2:]]))


class LearnedLayer:
    """Trains once, on first use, under a lock; shared by every thread of the process."""

    def __init__(
        self,
        normalize: Callable[[str], str],
        corpus_dir: Path = CORPUS_DIR,
        settings_file: Path = SETTINGS_FILE,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
    ) -> None:
        self._normalize = normalize
        self._corpus_dir = corpus_dir
        self._settings_file = settings_file
        self._cache_dir = cache_dir
        self._lock = threading.Lock()
        self._model: LevelModel | None = None

    @property
    def settings(self) -> LearnedSettings:
        return self.model().settings

    def model(self) -> LevelModel:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    settings = load_settings(self._settings_file)
                    cases = load_corpus(self._corpus_dir)
                    if not cases:
                        raise ValueError(f"no training vignettes in {self._corpus_dir}")
                    self._model = train(cases, settings, self._normalize, self._cache_dir)
        return self._model

    def predict(self, normalized: str, age: float | None, sex: str | None, pregnant: bool | None) -> Prediction:
        """The model's view of the text; for an emergency call, of the text without its denying clauses if calmer.

        A denial may only talk the layer out of 120 (denied_clauses.py), never change a lower call:
        some denials worry ("没磕着" beside bruises, blind set R's R172, needs a blood count the same
        day) and the reading without them was routine there. Training reads the whole text as
        before, so no refit.
        """
        model = self.model()
        seen = model.predict_one(features_text(normalized, age, sex, pregnant))
        if seen.emergency < model.settings.emergency:
            return seen
        plain = without_denied_clauses(normalized, DENIED_SIGNS)
        if plain == str(normalized):
            return seen
        calmer = model.predict_one(features_text(plain, age, sex, pregnant))
        return calmer if calmer.emergency < seen.emergency else seen
