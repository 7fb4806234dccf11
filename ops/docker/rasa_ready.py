"""Rasa's readiness probe: ready only once a model is loaded.

Rasa started on bot/endpoints-pull.yml begins with no model and pulls the app's; its
`GET /` answers "Hello from Rasa" before that, so it cannot tell. `GET /status` names
the loaded model and needs the auth token, which an httpGet probe cannot carry from a
Secret; this script can (RASA_AUTH_TOKEN from the pod's environment). Standard library
only: it runs in the Rasa image's Python 3.10. Exit 0: ready; 1: not (yet).
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

PORT = os.environ.get("RASA_PORT", "5005")


def main() -> int:
    query = urllib.parse.urlencode({"token": os.environ.get("RASA_AUTH_TOKEN", "")})
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/status?{query}", timeout=4) as response:
            status = json.load(response)
    except (OSError, ValueError) as exc:  # 409 "no agent loaded", refused, timed out (loading), bad JSON
        print(f"not ready: {exc}", file=sys.stderr)
        return 1
    if not status.get("model_file"):
        print("not ready: no model loaded", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
