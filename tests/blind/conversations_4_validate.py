#!/usr/bin/env python3
"""Validate conversations_4.jsonl (stdlib only). Prints OK or the problems."""
import difflib
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "conversations_4.jsonl")
DESIGN = "/work/shared/DESIGN.md"

# Department codes from the DESIGN.md "Department codes" table.
DEPARTMENTS = {
    "emergency", "general_internal", "fever_clinic", "cardiology", "respiratory",
    "gastroenterology", "neurology", "endocrinology", "nephrology", "hematology",
    "rheumatology", "infectious", "general_surgery", "orthopedics", "urology",
    "neurosurgery", "thoracic_surgery", "breast_surgery", "gynecology", "obstetrics",
    "pediatrics", "ophthalmology", "ent", "stomatology", "dermatology", "psychiatry",
    "oncology", "tcm", "rehabilitation",
}
GOAL_TYPES = {"book", "triage", "emergency", "cancel", "query_appointment",
              "result", "refill", "faq", "human"}
TRIAGE_LEVELS = {"self_care", "routine", "urgent"}
FAQ_TOPICS = {"parking", "insurance", "hours", "documents", "refund", "address",
              "fees", "contact", "visiting"}
TITLES = {"主任医师", "副主任医师", "主治医师"}
TIMES = {"morning", "afternoon"}
PLACEHOLDERS = {"ID_NUMBER", "PHONE", "SMS_CODE", "TOMORROW_DATE"}
ALLOWED_GOAL_KEYS = {
    "book": ({"type", "department"}, {"time_of_day", "doctor_title"}),
    "triage": ({"type", "level"}, {"department"}),
    "faq": ({"type", "topic"}, set()),
}
EXPECTED = {"book": 14, "triage": 10, "emergency": 8, "cancel": 5,
            "query_appointment": 4, "result": 4, "refill": 3, "faq": 5, "human": 3}
EXPECTED_LEVELS = {"self_care": 3, "routine": 4, "urgent": 3}
KEYS = {"id", "persona", "goal", "turns", "notes"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def design_codes():
    """Codes parsed from the DESIGN.md table, or None if the file is absent."""
    try:
        text = open(DESIGN, encoding="utf-8").read()
    except OSError:
        return None
    sec = text.split("## Department codes", 1)
    if len(sec) < 2:
        return None
    codes = set()
    for line in sec[1].splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for i in range(0, len(cells) - 1, 2):
            c = cells[i]
            if re.fullmatch(r"[a-z_]+", c) and c != "code":
                codes.add(c)
    return codes or None


def main():
    errs = []
    parsed = design_codes()
    if parsed is not None and parsed != DEPARTMENTS:
        errs.append("department list differs from DESIGN.md: %s"
                    % sorted(parsed ^ DEPARTMENTS))
    depts = parsed or DEPARTMENTS

    rows = []
    with open(PATH, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                errs.append("line %d: blank line" % n)
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                errs.append("line %d: bad JSON: %s" % (n, e))

    want_ids = ["F%02d" % i for i in range(1, 57)]
    ids = [r.get("id") for r in rows]
    if ids != want_ids:
        errs.append("ids must be F01..F56 in order, got %s" % ids)

    types, levels = Counter(), Counter()
    first_turns = Counter()
    for r in rows:
        rid = r.get("id", "?")
        if set(r) != KEYS:
            errs.append("%s: keys %s" % (rid, sorted(r)))
            continue
        for k in ("persona", "notes"):
            v = r[k]
            if not isinstance(v, str) or not v.strip() or "\n" in v or not HAN.search(v):
                errs.append("%s: %s must be one non-empty Chinese line" % (rid, k))
        g = r["goal"]
        if not isinstance(g, dict) or g.get("type") not in GOAL_TYPES:
            errs.append("%s: bad goal %r" % (rid, g))
            continue
        t = g["type"]
        types[t] += 1
        req, opt = ALLOWED_GOAL_KEYS.get(t, ({"type"}, set()))
        keys = set(g)
        if not req <= keys or keys - req - opt:
            errs.append("%s: goal keys %s for %s" % (rid, sorted(keys), t))
        if "department" in g and g["department"] not in depts:
            errs.append("%s: unknown department %r" % (rid, g["department"]))
        if "time_of_day" in g and g["time_of_day"] not in TIMES:
            errs.append("%s: bad time_of_day" % rid)
        if "doctor_title" in g and g["doctor_title"] not in TITLES:
            errs.append("%s: bad doctor_title" % rid)
        if t == "triage":
            if g.get("level") not in TRIAGE_LEVELS:
                errs.append("%s: bad triage level %r" % (rid, g.get("level")))
            else:
                levels[g["level"]] += 1
        if t == "faq" and g.get("topic") not in FAQ_TOPICS:
            errs.append("%s: bad faq topic %r" % (rid, g.get("topic")))

        turns = r["turns"]
        if not isinstance(turns, list) or not 3 <= len(turns) <= 10:
            errs.append("%s: need 3-10 turns" % rid)
            continue
        for i, s in enumerate(turns, 1):
            if not isinstance(s, str) or not s.strip():
                errs.append("%s turn %d: empty or not a string" % (rid, i))
                continue
            if "<tap" in s and not re.fullmatch(r"<tap:[1-9][0-9]*>", s):
                errs.append("%s turn %d: <tap:N> must be a whole turn" % (rid, i))
            if i == 1 and s.startswith("<tap"):
                errs.append("%s: cannot tap before the bot has spoken" % rid)
            for ph in re.findall(r"\{([^{}]*)\}", s):
                if ph not in PLACEHOLDERS:
                    errs.append("%s turn %d: unknown placeholder {%s}" % (rid, i, ph))
            if re.search(r"[{}]", re.sub(r"\{(%s)\}" % "|".join(PLACEHOLDERS), "", s)):
                errs.append("%s turn %d: stray brace" % (rid, i))
        first_turns[turns[0]] += 1
        if t == "book":
            joined = "\n".join(turns)
            for ph in ("{ID_NUMBER}", "{PHONE}", "{SMS_CODE}"):
                if ph not in joined:
                    errs.append("%s: booking lacks %s" % (rid, ph))
        if t in ("result",):
            joined = "\n".join(turns)
            for ph in ("{ID_NUMBER}", "{PHONE}", "{SMS_CODE}"):
                if ph not in joined:
                    errs.append("%s: %s lacks %s" % (rid, t, ph))

    if dict(types) != EXPECTED:
        errs.append("goal distribution %s != %s" % (dict(types), EXPECTED))
    if dict(levels) != EXPECTED_LEVELS:
        errs.append("triage levels %s != %s" % (dict(levels), EXPECTED_LEVELS))
    for s, c in first_turns.items():
        if c > 1:
            errs.append("first turn repeated %d times: %s" % (c, s))

    # near-duplicate check on the free text (placeholder/tap turns removed)
    def body(r):
        return "".join(s for s in r["turns"]
                       if not re.fullmatch(r"<tap:\d+>|\{[A-Z_]+\}", s))
    ok_rows = [r for r in rows if set(r) == KEYS and isinstance(r["turns"], list)]
    for i in range(len(ok_rows)):
        for j in range(i + 1, len(ok_rows)):
            a, b = body(ok_rows[i]), body(ok_rows[j])
            ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
            if ratio > 0.6:
                errs.append("near-duplicates %s/%s (%.2f)"
                            % (ok_rows[i]["id"], ok_rows[j]["id"], ratio))

    if errs:
        for e in errs:
            print("ERROR:", e)
        sys.exit(1)
    print("OK: %d conversations; %s; triage %s"
          % (len(rows), ", ".join("%s=%d" % kv for kv in sorted(types.items())),
             dict(sorted(levels.items()))))


if __name__ == "__main__":
    main()
