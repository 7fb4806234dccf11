#!/usr/bin/env bash
app="http://127.0.0.1:${APP_PORT:-5000}"
cat <<MSG

  Internet hospital front door is starting (Ctrl-C stops every process):
    web chat page        $app/
    service API          $app/api/v1/departments   (Authorization: Bearer \$HOSPITAL_API_TOKEN,
                                                     development default: dev-hospital-api-token)
    API document         $app/api/v1/openapi.json
    health / readiness   $app/healthz  $app/readyz
    metrics              $app/metrics
    Rasa server          http://127.0.0.1:${RASA_PORT:-5005}   (loading the model takes about 40 s)
    action server        http://127.0.0.1:${ACTION_PORT:-5055}

MSG
