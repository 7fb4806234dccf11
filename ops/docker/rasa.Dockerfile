# The Rasa server, shaped like the official rasa/rasa:3.6.21 image: a virtualenv in
# /opt/venv, WORKDIR /app, user 1001, ENTRYPOINT rasa, port 5005. Built here from
# our own lock (requirements-rasa.txt: the same Rasa 3.6 plus jieba) with the bot files
# and no model: every replica pulls the active model from the app (bot/endpoints-pull.yml,
# GET /rasa/model), so a new model is an activation in the console, not an image, and
# reaches the replicas one at a time (docs/operations.md, "The bot's model in a fleet").
# From the repository root:  docker build -f ops/docker/rasa.Dockerfile -t hospital-rasa:<git sha> .
FROM python:3.10-slim-bookworm AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements-rasa.txt /tmp/requirements-rasa.txt
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --require-virtualenv -r /tmp/requirements-rasa.txt

FROM python:3.10-slim-bookworm
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY --chown=1001:0 bot /app/bot
# Readiness: a model is loaded (Rasa's `/` answers before it has one).
COPY --chown=1001:0 ops/docker/rasa_ready.py /app/rasa_ready.py
# PYTHONPATH: the pipeline's own components (bot/components: simplified tokenizer,
# department normaliser) are imported as `bot.components...` when a model loads.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    HOME=/app \
    RASA_TELEMETRY_ENABLED=false \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
USER 1001
EXPOSE 5005
ENTRYPOINT ["rasa"]
# As in rasa/rasa: the deployment gives the arguments (ops/compose.yaml, ops/k8s/rasa.yaml),
# among them --auth-token, which only a shell or Kubernetes' $(VAR) can fill from a secret.
CMD ["--help"]
