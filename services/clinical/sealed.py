"""The encryption contexts of the clinical records' personal fields, and their openers.

A diagnosis (高血压, HIV感染) or a report title (乙肝两对半, 妊娠试验) says as much
about a patient as the values themselves, so both are sealed like the results
(`*_enc` columns, services/crypto.py) and opened here, in the service layer.
"""

from __future__ import annotations

from models import LabReport, Prescription
from services.crypto import FieldCipher

DIAGNOSIS_CONTEXT = "prescriptions.diagnosis"
TITLE_CONTEXT = "lab_reports.title"


def diagnosis_of(cipher: FieldCipher, prescription: Prescription) -> str:
    return cipher.decrypt(prescription.diagnosis_enc, DIAGNOSIS_CONTEXT)


def title_of(cipher: FieldCipher, report: LabReport) -> str:
    return cipher.decrypt(report.title_enc, TITLE_CONTEXT)
