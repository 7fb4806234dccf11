"""Presenting complaints as protocols (``data/triage/protocols.yml``).

The Manchester Triage System and China's 急诊预检分诊专家共识 organise triage
by presenting complaint: each chart lists the general discriminators (airway,
breathing, circulation, consciousness, pain, haemorrhage, temperature, onset)
and its own specific ones.  Here a protocol names, by id, the symptoms that
recognise the complaint and the red flags, nets, questions and self-care
entries that decide it, so staff can read one complaint's chart in one
place.  The rules themselves stay in their files; this index is validated
against them at load and named in each answer's ``reasons``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.clinical.triage.errors import TriageDataError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GeneralSpec(_Strict):
    source: str = Field(min_length=3)
    airway: list[str]
    breathing: list[str]
    circulation: list[str]
    consciousness: list[str]
    pain: list[str]
    haemorrhage: list[str]
    temperature: list[str]
    onset: list[str]


class ProtocolSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    source: str = Field(min_length=3)
    symptoms: list[str] = Field(min_length=1)
    #: Whom the chart is for (MTS has separate adult and child charts).
    who: Literal["any", "adult", "child", "newborn", "infant", "pregnant", "postpartum"] = "any"
    emergency: list[str] = []
    urgent: list[str] = []
    questions: list[str] = []
    self_care: list[str] = []
    departments: list[str] = Field(min_length=1)


class ProtocolsFile(_Strict):
    general: GeneralSpec
    protocols: list[ProtocolSpec] = Field(min_length=1)


def load_protocols(
    data: object,
    *,
    symptoms: set[str],
    emergencies: set[str],
    urgents: set[str],
    questions: set[str],
    self_care: set[str],
    departments: set[str],
) -> tuple[tuple[ProtocolSpec, ...], tuple[str, ...]]:
    """Validate the charts; return them with the emergency rules they name that do not exist.

    A chart naming a missing symptom, question or department is a data error.
    A missing *emergency rule* is returned instead of raised: deleting a red
    flag is a clinical change that the corpus gate must judge (and report as
    missed emergencies), and the index must not hide that behind a load error.
    ``tests/unit/triage`` asserts the shipped charts have none.
    """
    try:
        parsed = ProtocolsFile.model_validate(data)
    except ValidationError as exc:
        raise TriageDataError(f"protocols.yml: {exc}") from exc
    general = parsed.general
    named = [*general.airway, *general.breathing, *general.circulation, *general.consciousness]
    named += [*general.pain, *general.haemorrhage, *general.temperature, *general.onset]
    dangling = set(named) - emergencies - urgents
    seen: set[str] = set()
    for spec in parsed.protocols:
        if spec.id in seen:
            raise TriageDataError(f"protocols.yml: duplicate id {spec.id!r}")
        seen.add(spec.id)
        checks = {
            "symptoms": set(spec.symptoms) - symptoms,
            "urgent": set(spec.urgent) - urgents,
            "questions": set(spec.questions) - questions,
            "self_care": set(spec.self_care) - self_care,
            "departments": set(spec.departments) - departments,
        }
        for field, missing in checks.items():
            if missing:
                raise TriageDataError(f"protocols.yml {spec.id}: unknown {field} {sorted(missing)}")
        dangling |= set(spec.emergency) - emergencies
    return tuple(parsed.protocols), tuple(sorted(dangling))
