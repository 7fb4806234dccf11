"""Clinical journeys: self-triage (triage/), lab results, chronic-prescription
refills and their review by a clinician and a pharmacist, follow-up messages."""
