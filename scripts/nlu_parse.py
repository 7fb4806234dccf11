"""Parse messages with a trained Rasa model (run in the Rasa venv): one JSON line in
(`{"id", "text"}`), one JSON line out (`{"id", "intent", "ranking", "entities",
"response_key"}`). Used by scripts/nlu_blind_report.py, which runs in the app venv.

    .venv-rasa/bin/python scripts/nlu_parse.py var/rasa/models/current.tar.gz < in.jsonl > out.jsonl
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # the model names the bot's own components (bot/components/)
    sys.path.insert(0, ROOT)


async def main(model_path: str) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        parsed = await agent.parse_message(item["text"])
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        selector = ((parsed.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        out = {
            "id": item["id"],
            "intent": (parsed.get("intent") or {}).get("name"),
            "ranking": [[r["name"], round(float(r["confidence"]), 4)] for r in ranking[:3]],
            "entities": [{"entity": e.get("entity"), "value": e.get("value")} for e in parsed.get("entities") or []],
            "response_key": selector.get("intent_response_key"),
        }
        print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    logging.disable(logging.WARNING)
    asyncio.run(main(sys.argv[1]))
