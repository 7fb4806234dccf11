"""Rasa as the application reaches it: the REST dialogue client the channels
talk through (`client`: a text in, a list of replies out), the model API that swaps the
running model (`model_api`), the subprocess runner that validates, trains and
evaluates in the Rasa environment (`training_runner`), and the one
`RasaUnavailable` they all raise (`errors`). Nothing here imports services:
the teaching service passes in what the runner needs."""
