#!/bin/sh
# Rasa's tracker store gets its own database and role on the compose PostgreSQL.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE rasa LOGIN PASSWORD '$POSTGRES_PASSWORD';
CREATE DATABASE rasa OWNER rasa;
SQL
