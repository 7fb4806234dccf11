# The action server, shaped like rasa/rasa-sdk: Python 3.10, WORKDIR /app, user 1001,
# port 5055. Our actions import the hospital's shared rules and integrations, so the
# image carries the code (no Flask runs in it) and starts scripts/action_server.py,
# rasa-sdk's server plus the X-Action-Token check. From the repository root:
#   docker build -f ops/docker/actions.Dockerfile -t hospital-actions:<git sha> .
FROM python:3.10-slim-bookworm AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements-rasa.txt /tmp/requirements-rasa.txt
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --require-virtualenv -r /tmp/requirements-rasa.txt

FROM python:3.10-slim-bookworm
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY --chown=1001:0 . /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    SANIC_HOST=0.0.0.0 \
    ACTION_PORT=5055 \
    ACTION_SERVER_SANIC_WORKERS=4
USER 1001
EXPOSE 5055
CMD ["python", "scripts/action_server.py"]
