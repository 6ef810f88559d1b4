"""Duplicate detection: fold names, build blocking keys, score and rank possible duplicates."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import combinations, pairwise
from typing import NamedTuple, Protocol

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from unidecode import unidecode

from registry.domain.i18n import N_

# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

# Removed rather than turned into a space: "Ng'ang'a" is one name, and unidecode writes the
# Arabic hamza and ain as ' and `, ta marbuta as @ and alif maqsura as ~ inside a word.
_JOINERS = str.maketrans("", "", "'`@~\u2019\u2018\u02bc\u02bb\u00b4")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NOT_DOCUMENT = re.compile(r"[^A-Z0-9]+")
_NOT_DIGIT = re.compile(r"\D+")


@lru_cache(maxsize=200_000)
def fold(text: str | None) -> str:
    """'Ndayishimiyé, Jean-Pierre' -> 'ndayishimiye jean pierre'; Arabic, Ethiopic transliterated."""
    if not text:
        return ""
    return " ".join(_NOT_WORD.sub(" ", _ascii(text).translate(_JOINERS).lower()).split())


def _ascii(text: str) -> str:
    # Most input is ASCII already, and unidecode is the slow part of a bulk load.
    return text if text.isascii() else unidecode(unicodedata.normalize("NFKC", text))


def normalise_document_number(text: str | None) -> str:
    """'ab 12-34.5/6' -> 'AB123456'; '' means there is no usable number."""
    if not text:
        return ""
    if text.isalnum() and text.isascii() and text.isupper():
        return text  # already normalised (read back from the database)
    # unidecode turns Arabic-Indic and full-width digits into ASCII and drops emoji.
    return _NOT_DOCUMENT.sub("", _ascii(text).upper())


# National number lengths of the region's calling codes: "+257 79 123 456" and "79 123 456"
# must compare equal, and Burundi's numbers have 8 digits where its neighbours have 9.
_CALLING_CODES = {
    "257": 8, "255": 9, "254": 9, "256": 9, "250": 9, "243": 9,
    "252": 9, "251": 9, "291": 7, "211": 9, "249": 9,
}  # fmt: skip
_PHONE_DIGITS = 9
_PHONE_MIN_DIGITS = 7


def normalise_phone(text: str | None) -> str:
    """'+255 712-345 678' and '0712345678' -> '712345678' (at most the last 9 digits)."""
    if not text:
        return ""
    if (
        text.isdigit()
        and text.isascii()
        and _PHONE_MIN_DIGITS <= len(text) <= _PHONE_DIGITS
        and text[0] != "0"
    ):
        return text  # already normalised
    digits = _NOT_DIGIT.sub("", _ascii(text))
    digits = digits.removeprefix("00")
    national = _CALLING_CODES.get(digits[:3])
    if national is not None and len(digits) == 3 + national:
        digits = digits[3:]
    digits = digits.lstrip("0")[-_PHONE_DIGITS:]
    return digits if len(digits) >= _PHONE_MIN_DIGITS else ""


# --------------------------------------------------------------------------------------------
# Phonetic key
# --------------------------------------------------------------------------------------------

# A consonant skeleton tuned for the region's names (bench/README.md compares it with
# metaphone, NYSIIS and soundex). Order matters: longer spellings first.
_DIGRAPHS = (
    ("chr", "kr"), ("sch", "sk"),  # Christine / Kristine, Scholastique / Skolastique
    ("tch", "C"), ("tsh", "C"), ("ch", "C"),  # Tshisekedi / Tchisekedi, Getachew
    ("sh", "s"),  # Ndayishimiye / Ndayisimiye
    ("kh", "h"),  # Khadija / Hadija, Khamis / Hamisi (Swahili drops the k)
    ("ph", "f"), ("gh", "g"), ("th", "t"), ("dh", "d"), ("dj", "j"),  # Djamila / Jamila
    ("ck", "k"),
)  # fmt: skip
# c before e/i/y sounds like s (Cecile); x is the Somali and Ethiopic h (Maxamed, Xasan);
# l and r are one sound in Kirundi and Kinyarwanda (Habyarimana / Habyalimana); b and v
# alternate between Kirundi and Kinyarwanda (Havyarimana / Habyarimana).
_SOFT_C = re.compile(r"c(?=[eiy])")
# Abdul-, Abdel-, Abdi-, Abdu-: the same "servant of" (Abdulaziz / Abdiaziz / Abdelaziz).
_ABD = re.compile(r"^abd(?:ou|ul|el|il|u|i|e)?")
_LETTERS = str.maketrans({"c": "k", "q": "k", "x": "h", "z": "s", "l": "r", "v": "b", "C": "c"})
# Vowels (y and w too: the semi-vowels Arabic writes for long vowels, and Bantu glides) carry
# most spelling variation: Mohamed / Muhammad, Yusuf / Youssef, and unvowelled Arabic script.
_VOWELS = re.compile(r"[aeiouyw]+")
_DOUBLED = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def phonetic_key(token: str) -> str:
    """Consonant skeleton of one name: Mohamed, Muhammad, محمد -> 'mhmd'."""
    text = _ABD.sub("abd", fold(token).replace(" ", ""))
    if not text:
        return ""
    for spelling, sound in _DIGRAPHS:
        text = text.replace(spelling, sound)
    text = _SOFT_C.sub("s", text).translate(_LETTERS)
    skeleton = _DOUBLED.sub(r"\1", _VOWELS.sub("", text))
    if len(skeleton) > 1:
        # A final h is often silent and dropped: Abdullah / Abdulla, Fatimah / Fatima.
        skeleton = skeleton.removesuffix("h")
    # An all-vowel name (Aya, Eyo) keeps its spelling rather than vanish.
    return skeleton or fold(token).replace(" ", "")


# --------------------------------------------------------------------------------------------
# Identity
# --------------------------------------------------------------------------------------------

UNKNOWN_SEXES = frozenset({"", "unknown", "other"})
UNKNOWN_NATIONALITIES = frozenset({"", "XXX", "XXA"})


class DocumentLike(Protocol):
    @property
    def number(self) -> str: ...


class PersonLike(Protocol):
    """What the matcher reads from a person (the Person model fits)."""

    @property
    def given_names(self) -> str: ...
    @property
    def family_name(self) -> str: ...
    @property
    def other_names(self) -> str: ...
    @property
    def sex(self) -> str: ...
    @property
    def date_of_birth(self) -> date | None: ...
    @property
    def dob_precision(self) -> str | None: ...
    @property
    def nationality(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def documents(self) -> Iterable[DocumentLike]: ...


class _Token(NamedTuple):
    text: str  # folded
    key: str  # phonetic key
    part: str  # "given", "family" or "other"


@lru_cache(maxsize=100_000)
def _part_tokens(text: str, part: str) -> tuple[_Token, ...]:
    return tuple(_Token(word, phonetic_key(word), part) for word in fold(text).split())


@dataclass(frozen=True)
class Identity:
    """The identity fields the matcher compares; document numbers and phone are normalised."""

    given_names: str = ""
    family_name: str = ""
    other_names: str = ""
    sex: str = "unknown"
    date_of_birth: date | None = None
    dob_precision: str = "exact"
    nationality: str = ""
    document_numbers: frozenset[str] = frozenset()
    phone: str = ""

    def __post_init__(self) -> None:
        # Normalised once here so that every comparison and key sees the same values; most
        # values arrive normalised already (read back from the database), so only changes are set.
        numbers = frozenset(filter(None, map(normalise_document_number, self.document_numbers)))
        if numbers != self.document_numbers or type(self.document_numbers) is not frozenset:
            object.__setattr__(self, "document_numbers", numbers)
        for name, value in (
            ("phone", normalise_phone(self.phone)),
            ("sex", (self.sex or "unknown").lower()),
            ("nationality", (self.nationality or "").upper()),
            ("dob_precision", self.dob_precision or "exact"),
        ):
            if value != getattr(self, name):
                object.__setattr__(self, name, value)
        # Not a field: computed once, and left out of equality and repr.
        object.__setattr__(
            self, "_tokens", _name_tokens(self.given_names, self.family_name, self.other_names)
        )

    @classmethod
    def of(cls, person: PersonLike) -> Identity:
        return cls(
            given_names=person.given_names or "",
            family_name=person.family_name or "",
            other_names=person.other_names or "",
            sex=person.sex or "unknown",
            date_of_birth=person.date_of_birth,
            dob_precision=person.dob_precision or "exact",
            nationality=person.nationality or "",
            document_numbers=frozenset(document.number for document in person.documents),
            phone=person.phone or "",
        )

    @property
    def tokens(self) -> tuple[_Token, ...]:
        """Folded name tokens with their part; a name repeated across parts counts once."""
        return self._tokens  # type: ignore[attr-defined, no-any-return]


@lru_cache(maxsize=200_000)
def _name_tokens(given_names: str, family_name: str, other_names: str) -> tuple[_Token, ...]:
    tokens = (
        _part_tokens(given_names, "given")
        + _part_tokens(family_name, "family")
        + _part_tokens(other_names, "other")
    )
    texts = [token.text for token in tokens]
    if len(set(texts)) != len(texts):
        tokens = tuple(token for i, token in enumerate(tokens) if token.text not in texts[:i])
    return tokens


# --------------------------------------------------------------------------------------------
# Blocking
# --------------------------------------------------------------------------------------------

# Birth years a lookup covers on each side of the registered one: an age guessed at the border
# is often a year or two off.
YEAR_WINDOW = 2
# A key shared by more people than this tells too little to be worth loading (tens of thousands
# of Mohameds): the lookup drops it and relies on the person's other, finer keys. Keys on one
# name are dropped sooner: beyond a few dozen namesakes of the same age, one name cannot pick
# the person out anyway.
KEY_LIMITS: Mapping[str, int] = {
    "doc": 50, "tel": 50, "n2": 100, "n2y": 100, "n1y": 60, "n1d": 30,
}  # fmt: skip
# Candidates loaded for one check at most, the rarest keys first.
CANDIDATE_BUDGET = 250
# Names beyond this many add keys without adding much evidence.
_MAX_KEY_TOKENS = 5


class NameKeys(NamedTuple):
    """The part of a person's blocking keys that their names alone decide: whole keys, and the
    beginnings of the keys that the birth year, the sex or the date of birth complete."""

    pairs: tuple[str, ...]  # "n2:mhmd.hsn"
    pairs_and_year: tuple[str, ...]  # "n2y:mhmd.hsn." + year
    singles_and_year: tuple[str, ...]  # "n1y:mhmd." + year + "." + sex
    starts_and_date: tuple[str, ...]  # "n1d:mh." + date, each start once


@lru_cache(maxsize=100_000)
def _name_keys(tokens: tuple[_Token, ...]) -> NameKeys:
    """Phonetic keys of single names and of pairs of names."""
    # Given and family names first: aliases beyond the limit are left out, not the names.
    names = sorted(
        list(dict.fromkeys(token.key for token in tokens if token.key))[:_MAX_KEY_TOKENS]
    )
    # Jean-Pierre is also typed Jeanpierre: adjacent given names joined are a name too, paired
    # with the family names.
    given = [token.text for token in tokens if token.part == "given"]
    joined = sorted({phonetic_key(a + b) for a, b in pairwise(given)} - set(names))
    others = {token.key for token in tokens if token.part != "given" and token.key}
    pairs = {f"{a}.{b}" for a, b in combinations(names, 2)}
    pairs.update(".".join(sorted((a, b))) for a in joined for b in others)
    singles = (*names, *joined)
    return NameKeys(
        pairs=tuple(f"n2:{pair}" for pair in sorted(pairs)),
        pairs_and_year=tuple(f"n2y:{pair}." for pair in sorted(pairs)),
        singles_and_year=tuple(f"n1y:{single}." for single in singles),
        starts_and_date=tuple(dict.fromkeys(f"n1d:{single[:2]}." for single in singles)),
    )


@lru_cache(maxsize=100_000)
def name_keys(given_names: str, family_name: str, other_names: str) -> NameKeys:
    """The name part of the blocking keys of anyone with these names (see `stored_keys`)."""
    return _name_keys(_name_tokens(given_names, family_name, other_names))


def stored_keys(names: NameKeys, sex: str, date_of_birth: date | None, dob_precision: str,
                document_numbers: Iterable[str] = (), phone: str = "") -> list[str]:  # fmt: skip
    """`blocking_keys()` from the names' part computed once and values already normalised as
    `Identity` holds them, each key once: a bulk load keys a million people this way."""
    return _keys_of(names, sex, [date_of_birth.year] if date_of_birth else [],
                    date_of_birth if dob_precision == "exact" else None, document_numbers, phone)  # fmt: skip


# The keys of someone known by no name: their documents and phone only.
NO_NAME_KEYS = NameKeys((), (), (), ())


def key_sex(sex: str) -> str:
    """The sex as a key writes it."""
    return sex if sex not in UNKNOWN_SEXES else "u"


def _keys_of(names: NameKeys, sex: str, years: Iterable[int], exact_birth: date | None,
             document_numbers: Iterable[str], phone: str) -> list[str]:  # fmt: skip
    keys = [f"doc:{number}" for number in document_numbers]
    if phone:
        keys.append(f"tel:{phone}")
    sex = key_sex(sex)
    # Pairs without a birth year still find a person whose age was guessed far off, or not given.
    keys += names.pairs
    for year in years:
        keys += [f"{pair}{year}" for pair in names.pairs_and_year]
        # One name with a birth year and sex finds a person registered without a family name.
        keys += [f"{single}{year}.{sex}" for single in names.singles_and_year]
    if exact_birth:
        # An exact date is rare enough that the start of a name suffices, which survives a
        # typo or a dropped ending (Gilbert / Gilber) and finds a person registered under
        # one name. isoformat(): strftime is ten times slower.
        born = exact_birth.isoformat()
        keys += [f"{start}{born}" for start in names.starts_and_date]
    return keys


def _keys(identity: Identity, years: Iterable[int]) -> set[str]:
    exact_birth = identity.date_of_birth if identity.dob_precision == "exact" else None
    return set(_keys_of(_name_keys(identity.tokens), identity.sex, years, exact_birth,
                        identity.document_numbers, identity.phone))  # fmt: skip


def blocking_keys(identity: Identity) -> set[str]:
    """The keys to store in person_match_key(key, person_id) for this person."""
    year = identity.date_of_birth.year if identity.date_of_birth else None
    return _keys(identity, [year] if year else [])


def lookup_keys(identity: Identity) -> set[str]:
    """The keys to look up for a new registration: the stored keys, birth years widened.

    Fetch at most key_limit(key) + 1 person ids per key in one SQL statement (a UNION ALL of
    limited selects, or a LATERAL join on PostgreSQL) and pass the rows to candidate_ids().
    """
    year = identity.date_of_birth.year if identity.date_of_birth else None
    return _keys(identity, range(year - YEAR_WINDOW, year + YEAR_WINDOW + 1) if year else [])


def key_limit(key: str) -> int:
    """How many people may share `key` before the lookup ignores it."""
    return KEY_LIMITS[key.partition(":")[0]]


def candidate_ids(rows: Iterable[tuple[str, int]], budget: int | None = None) -> set[int]:
    """Person ids from (key, person_id) rows, leaving out keys too common to discriminate.

    The rarest keys are taken first (they say the most), and keys stop being added once
    `budget` (CANDIDATE_BUDGET by default) people are reached: a check stays fast however common
    the names. Document and phone keys are always taken.
    """
    budget = CANDIDATE_BUDGET if budget is None else budget
    by_key: dict[str, list[int]] = {}
    for key, person_id in rows:
        by_key.setdefault(key, []).append(person_id)
    usable = sorted(
        (len(people), not key.startswith(("doc:", "tel:")), key, people)
        for key, people in by_key.items()
        if len(people) <= key_limit(key)
    )
    ids: set[int] = set()
    for _, optional, _, people in usable:
        if optional and len(ids) + len(people) > budget:
            break
        ids.update(people)
    return ids


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------

REASON_LABELS: Mapping[str, str] = {
    "document_number": N_("Same identity document number"),
    "phone": N_("Same phone number"),
    "name_same": N_("Same names"),
    "name_similar": N_("Similar names"),
    "names_reordered": N_("Same names in another order"),
    "name_partial": N_("Some names missing in one record"),
    "birth_date_exact": N_("Same date of birth"),
    "birth_year_same": N_("Same year of birth"),
    "birth_year_close": N_("Year of birth within the margin of an estimate"),
    "sex": N_("Same sex"),
    "nationality": N_("Same nationality"),
    "other_matches": N_("Other registered people match as well"),
}

# Shown as "likely": the officer should open it before registering. Shown at all: "possible".
LIKELY = 0.90
# Only a likely match stops a registration for a look; possible ones are listed beside it, so
# showing them costs the officer little (bench/README.md: 0.35 finds more people registered
# again at a million without lowering the precision of likely matches).
POSSIBLE = 0.35


@dataclass(frozen=True)
class Match:
    """How likely a candidate is the person checked (0-1), and why."""

    score: float
    reasons: tuple[str, ...] = ()

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY

    @property
    def labels(self) -> tuple[str, ...]:
        """The reasons in words (untranslated: the caller translates)."""
        return tuple(REASON_LABELS[reason] for reason in self.reasons)


# Evidence weights, in log-odds: positive for agreement, negative for disagreement. A shared
# document number outweighs everything else; a shared phone may be a relative's.
_PRIOR = -4.0
_DOCUMENT = 9.0
_PHONE = 2.5
_SEX_SAME, _SEX_DIFFERENT = 0.4, -3.5
_NATIONALITY_SAME, _NATIONALITY_DIFFERENT = 0.6, -1.2
_NAME_MISSING = -0.2  # a name one record has and the other lacks: not a contradiction
# (similarity, evidence) points of a name token pair, interpolated linearly.
_NAME_CURVE = ((0.5, -2.5), (0.7, -1.0), (0.8, 0.5), (0.9, 1.6), (1.0, 2.0))
_PHONETIC_SIMILARITY = 0.9  # same phonetic key, spelled differently: Mohamed / Muhammad
_ONE_TYPO = 0.86
_SIMILAR = 0.85


# Evidence from the gap in years of birth (index: years apart, the last for any larger gap).
# An age guessed at the border ("about 30") is as likely a year off as not; a declared year is
# usually right.
_ESTIMATED_YEARS: tuple[float, ...] = (1.3, 1.1, 0.5, -1.5, -1.5, -4.0)
_DECLARED_YEARS: tuple[float, ...] = (1.5, 0.5, -1.5, -1.5, -4.0)
_EXACT_DATES_DIFFER: tuple[float, ...] = (0.0, -1.0, -2.0, -4.0)


def _name_evidence(similarity: float) -> float:
    points = _NAME_CURVE
    if similarity <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if similarity <= x1:
            return y0 + (y1 - y0) * (similarity - x0) / (x1 - x0)
    return points[-1][1]


@lru_cache(maxsize=262_144)
def _similarity(a: str, b: str) -> float:
    """Similarity of two folded names: spelling, one typo, or the same phonetic key."""
    if a == b:
        return 1.0
    similarity = fuzz.ratio(a, b) / 100
    if (
        similarity < _ONE_TYPO
        and min(len(a), len(b)) >= 4
        and OSA.distance(a, b, score_cutoff=1) <= 1
    ):
        # One letter wrong, missing or swapped weighs the same in a short name as in a long one.
        similarity = _ONE_TYPO
    if similarity < _PHONETIC_SIMILARITY and phonetic_key(a) == phonetic_key(b):
        similarity = _PHONETIC_SIMILARITY
    return similarity


def _joined(tokens: tuple[_Token, ...], other: tuple[_Token, ...]) -> tuple[_Token, ...]:
    """Join adjacent names that the other record writes as one (Jean Pierre / Jeanpierre)."""
    texts = [token.text for token in other]
    result = list(tokens)
    i = 0
    while i < len(result) - 1:
        first, second = result[i], result[i + 1]
        joined = first.text + second.text
        if first.part == second.part and any(
            abs(len(text) - len(joined)) <= 2 and _similarity(joined, text) >= _SIMILAR
            for text in texts
        ):
            result[i : i + 2] = [_Token(joined, phonetic_key(joined), first.part)]
        i += 1
    return tuple(result)


def _compare_names(query: Identity, candidate: Identity) -> tuple[float, list[str]]:
    q_tokens, c_tokens = query.tokens, candidate.tokens
    if not q_tokens or not c_tokens:
        return 0.0, []
    q_tokens, c_tokens = _joined(q_tokens, c_tokens), _joined(c_tokens, q_tokens)
    pairs = sorted(
        [
            (_similarity(q.text, c.text), i, j)
            for i, q in enumerate(q_tokens)
            for j, c in enumerate(c_tokens)
        ],
        reverse=True,
    )
    used_q: set[int] = set()
    used_c: set[int] = set()
    evidence = 0.0
    similarities: list[float] = []
    crossed = False
    for similarity, i, j in pairs:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        similarities.append(similarity)
        q, c = q_tokens[i], c_tokens[j]
        # Initials ("J.") say little.
        weight = 0.5 if min(len(q.text), len(c.text)) <= 2 else 1.0
        evidence += weight * _name_evidence(similarity)
        if similarity >= _SIMILAR and q.part != c.part and "other" not in (q.part, c.part):
            crossed = True
    missing = len(q_tokens) + len(c_tokens) - 2 * len(similarities)
    evidence += missing * _NAME_MISSING
    reasons: list[str] = []
    if all(s >= _SIMILAR for s in similarities):
        reasons.append("name_same" if all(s == 1.0 for s in similarities) else "name_similar")
        if crossed:
            reasons.append("names_reordered")
        if missing:
            reasons.append("name_partial")
    return evidence, reasons


def _compare_births(query: Identity, candidate: Identity) -> tuple[float, list[str]]:
    q_date, c_date = query.date_of_birth, candidate.date_of_birth
    if q_date is None or c_date is None:
        return 0.0, []
    precisions = (query.dob_precision, candidate.dob_precision)
    if precisions == ("exact", "exact"):
        if q_date == c_date:
            return 3.0, ["birth_date_exact"]
        if (q_date.day, q_date.month) == (c_date.month, c_date.day) and q_date.year == c_date.year:
            return 2.0, ["birth_date_exact"]  # day and month swapped: 03/05 and 05/03
        # Two exact dates that differ: a typo, or another person.
        curve = _EXACT_DATES_DIFFER
    elif "estimated" in precisions:
        curve = _ESTIMATED_YEARS
    else:
        curve = _DECLARED_YEARS
    gap = abs(q_date.year - c_date.year)
    evidence = curve[min(gap, len(curve) - 1)]
    reasons = ["birth_year_same"] if gap == 0 else ["birth_year_close"] if evidence > 0 else []
    return evidence, reasons


def _evidence(
    query: Identity, candidate: Identity, floor: float = -math.inf
) -> tuple[float, list[str]]:
    """Log-odds that both records are one person, and the reasons; names are compared last,
    and not at all when even identical names could not lift the evidence to `floor`."""
    evidence = _PRIOR
    reasons: list[str] = []
    if query.document_numbers & candidate.document_numbers:
        evidence += _DOCUMENT
        reasons.append("document_number")
    if query.phone and query.phone == candidate.phone:
        evidence += _PHONE
        reasons.append("phone")
    birth_evidence, other_reasons = _compare_births(query, candidate)
    evidence += birth_evidence
    if query.sex not in UNKNOWN_SEXES and candidate.sex not in UNKNOWN_SEXES:
        if query.sex == candidate.sex:
            evidence += _SEX_SAME
            other_reasons.append("sex")
        else:
            evidence += _SEX_DIFFERENT
    if (
        query.nationality not in UNKNOWN_NATIONALITIES
        and candidate.nationality not in UNKNOWN_NATIONALITIES
    ):
        if query.nationality == candidate.nationality:
            evidence += _NATIONALITY_SAME
            other_reasons.append("nationality")
        else:
            evidence += _NATIONALITY_DIFFERENT
    shared = min(len(query.tokens), len(candidate.tokens))
    best_names = (
        shared * _NAME_CURVE[-1][1] + abs(len(query.tokens) - len(candidate.tokens)) * _NAME_MISSING
    )
    if evidence + best_names < floor and "document_number" not in reasons:
        return -math.inf, []
    name_evidence, name_reasons = _compare_names(query, candidate)
    return evidence + name_evidence, reasons + name_reasons + other_reasons


def _probability(log_odds: float) -> float:
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, log_odds))))


def score(query: Identity, candidate: Identity) -> Match:
    """How likely `candidate` is the same person as `query`, on their two records alone."""
    evidence, reasons = _evidence(query, candidate)
    return Match(round(_probability(evidence), 4), tuple(reasons))


def rank(
    query: Identity, candidates: Iterable[tuple[int, Identity]], limit: int = 5
) -> list[tuple[int, Match]]:
    """The best `limit` candidates that are possible matches, best first.

    A candidate is shown when its own score is at least POSSIBLE; the score shown is weighed
    against the other candidates: three people named Jean Bizimana born in 1990 cannot each be
    likely to be the one registering again (the new person is at most one of them).
    """
    threshold = math.log(POSSIBLE / (1 - POSSIBLE))
    scored = [(cid, *_evidence(query, candidate, threshold)) for cid, candidate in candidates]
    # A document number already registered is a strong match, whatever the names say: shown,
    # and as likely (a shared document is a duplicate or a borrowed or forged document).
    strong = {cid for cid, _, reasons in scored if "document_number" in reasons}
    shown = [item for item in scored if item[1] >= threshold or item[0] in strong]
    if not shown:
        return []
    # Odds relative to the best, so that exp() cannot overflow. Only plausible candidates
    # compete: a hundred people sharing one name with the query do not make the best less likely.
    top = max(evidence for _, evidence, _ in shown)
    rest = sum(math.exp(evidence - top) for _, evidence, _ in shown)
    ranked: list[tuple[int, Match]] = []
    for cid, evidence, reasons in shown:
        odds = math.exp(evidence - top)
        posterior = odds / (math.exp(-top) + rest)
        if posterior < LIKELY <= _probability(evidence):
            reasons = [*reasons, "other_matches"]
        if cid in strong:
            posterior = max(posterior, LIKELY)
        ranked.append((cid, Match(round(posterior, 4), tuple(reasons))))
    ranked.sort(key=lambda item: (-item[1].score, item[0]))
    return ranked[:limit]
