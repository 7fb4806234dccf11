# The app image: web (gunicorn), Celery worker and beat, and the migration job all
# run from it with different commands (ops/compose.yaml, ops/k8s/). Build from the
# repository root:  docker build -f ops/docker/app.Dockerfile -t hospital-app:<git sha> .
FROM python:3.11-slim-bookworm AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --require-virtualenv -r /tmp/requirements.txt

FROM python:3.11-slim-bookworm
RUN useradd --uid 1001 --create-home --shell /usr/sbin/nologin hospital
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY --chown=1001:1001 . /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    BIND_ADDRESS=0.0.0.0 \
    APP_PORT=5000
USER 1001
EXPOSE 5000 9101
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"]
