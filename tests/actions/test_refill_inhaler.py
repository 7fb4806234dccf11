"""An asthma inhaler asked for is no blood-pressure drug (conversation set 8's J28, issue 13):
"哮喘噴霧用完咗 想喺網上續方" found only an amlodipine prescription on file, and the bot offered it
as "可以续开的处方是：高血压 苯磺酸氨氯地平片" - the only one, since the inhaler was not read as
a drug. Inhalers said by what they treat or by their form (喷雾, 吸入剂, 气雾剂) now point at
asthma or COPD prescriptions; when none is on file the patient is told so and chooses."""

from __future__ import annotations

import pytest

from actions.refill_words import named_prescriptions

HYPERTENSION = {"id": "rx1", "diagnosis": "高血压", "issued_on": "2026-10-01", "items": [{"drug": "氨氯地平"}]}
ASTHMA = {"id": "rx3", "diagnosis": "支气管哮喘", "issued_on": "2026-10-03", "items": [{"drug": "布地奈德福莫特罗"}]}
COPD = {"id": "rx4", "diagnosis": "慢性阻塞性肺疾病", "issued_on": "2026-10-04", "items": [{"drug": "噻托溴铵"}]}


@pytest.mark.parametrize(
    "said", ["哮喘噴霧用完咗 想喺網上續方 唔想去排隊", "哮喘的药快没了", "我那个喷雾用完了 再开一个", "吸入剂没了"]
)
def test_an_inhaler_is_not_the_blood_pressure_drug(said: str) -> None:
    named = named_prescriptions([HYPERTENSION], None, [said])
    assert named.said and named.matches == []  # said, not on file: the patient chooses


@pytest.mark.parametrize(
    ("said", "ids"),
    [
        ("哮喘噴霧用完咗", ["rx3"]),
        ("哮喘的药快没了", ["rx3"]),
        ("喷雾用完了", ["rx3", "rx4"]),
        ("气雾剂再开点", ["rx3", "rx4"]),
    ],
)
def test_an_inhaler_finds_the_asthma_or_copd_prescription(said: str, ids: list[str]) -> None:
    named = named_prescriptions([HYPERTENSION, ASTHMA, COPD], None, [said])
    assert [rx["id"] for rx in named.matches] == ids
