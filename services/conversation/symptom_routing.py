"""Every symptom reaches triage (issue 10, item 5), whatever the intent classifier said.

A patient who writes "孩子发烧39度，要不要去医院" describes a symptom even though it reads
as a question; the NLU may call it an FAQ, out of scope, a greeting or nothing it
knows, and the bot would then answer the FAQ or its fallback. The bot's reply comes
with how the message was understood (the turn's own parse, also kept for the
conversation review); when the intent is one of those and the triage engine's own
router says the text describes a complaint, the message is handed to the triage
journey instead: Rasa gets `/report_symptom{"symptom": <the text>}` (an intent it
takes as given, the text as the symptom entity, so the form asks only what is
missing) and the patient sees that answer, not the FAQ or the fallback.

Journey intents (results, a person, yes/no answers inside a form) are never re-routed,
and a booking that names its department books: "我头疼想挂神经内科" (the edge has already
run the whole assessment on it, services/clinical/triage/edge.py, and answers an
emergency before the bot). A booking that names a complaint but no department ("孩子咳嗽，
想挂个号", "我想约个号看看头疼") goes to triage instead: the booking form would only ask
"which department?", which is the question the patient cannot answer and triage can;
triage ends by offering that department's booking. On the blind NLU set 2 (tuning
material), 17 of the 21 symptom messages that did not reach triage were bookings, 2 of
them without a department.

The triage router's complaint test (services/clinical/triage/routing.py) reads a
booking's own words ("挂个号", "预约") as an errand and then wants a complaint word as
well, so "俺想挂个号 腰腿疼"'s complaint was missed: here the booking words are taken out
first and the rest is read as a complaint or not. Messages the NLU fell back on or sent
to the FAQ, out of scope or small talk are also read with :func:`describes_complaint`
(services/clinical/triage/complaint_wording.py, shared with the edge's assessment gate),
families of complaint wording the router has no word for (a reading with its number,
a fast heart, trouble passing water, hair falling out, skin changes, a weak limb,
confusion, tablets swallowed, a lump or nodule asked about). Errands (results, a refill,
a cancellation), journey answers and a booking that names its department are never
re-routed here, whatever they mention. Everyday words holding a complaint's character
("麻烦你了" holds 麻, "抽空" 抽, "抽血" is a test) are not complaints."""

from __future__ import annotations

import json

from prometheus_client import Counter

from integrations.rasa.client import Understanding
from services.clinical.triage.complaint_wording import booking_tells_complaint, describes_complaint, tells_complaint
from services.clinical.triage.routing import resolve_department

__all__ = ["booking_tells_complaint", "describes_complaint", "should_reroute", "tells_complaint", "triage_trigger"]

BOOKING = "book_appointment"
REROUTED_FROM = frozenset({"nlu_fallback", "faq", "out_of_scope", "greet", "goodbye", "thank"})
# FAQ answers whose question is about a complaint or a test by its nature ("发烧去哪个门诊",
# "查血脂要空着肚子去吗"): the answer asked for is the right one, so they are never re-routed.
FAQ_ANSWERED_AS_ASKED = frozenset({"faq/fever_clinic", "faq/test_preparation"})
MAX_SYMPTOM_CHARS = 500

SYMPTOMS_REROUTED = Counter(
    "hospital_symptoms_rerouted_total", "Symptom messages the NLU sent elsewhere, handed to triage", ["intent"]
)


def should_reroute(understanding: Understanding | None, text: str, bot_fell_back: bool) -> bool:
    """`bot_fell_back`: the bot answered with its fallback (the understanding then names
    the intent the model leaned towards, which may even be `report_symptom`)."""
    intent = understanding.intent if understanding is not None else None
    if intent == BOOKING and not bot_fell_back:
        return resolve_department(text) is None and booking_tells_complaint(text)
    if intent in FAQ_ANSWERED_AS_ASKED and not bot_fell_back:
        return False
    # The turn's reading names a retrieval intent with its answer ("faq/hours",
    # integrations/rasa/client.py); the family is what is re-routed.
    family = intent.split("/", 1)[0] if intent else intent
    if not bot_fell_back and family not in REROUTED_FROM:
        return False
    return tells_complaint(text)


def triage_trigger(text: str) -> str:
    """The message Rasa takes as the intent `report_symptom` with the text as its symptom."""
    entities = json.dumps({"symptom": text.strip()[:MAX_SYMPTOM_CHARS]}, ensure_ascii=False)
    return f"/report_symptom{entities}"
