"""The failures of Rasa's far side, shared by the dialogue client, the model API
and the training runner, so callers catch one class whatever they asked."""

from __future__ import annotations


class RasaUnavailable(Exception):
    """Rasa did not answer in time, answered with an error, or refused a model.

    `details` (an HTTP status, the start of a body, an exception's type) are for
    the log and the audit trail, never for patients."""

    def __init__(self, message: str = "rasa unavailable", **details: object) -> None:
        super().__init__(message)
        self.details = details


class RasaStepFailed(Exception):
    """A Rasa command exited non-zero; carries the end of its output."""

    def __init__(self, step: str, output: str) -> None:
        super().__init__(f"{step} failed")
        self.step = step
        self.output = output
