"""POST /triage and the dial112 triage command."""

from __future__ import annotations

import json

import httpx

from tests.conftest import ROOT_PATH, run_cli, token


async def test_triage_endpoint(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/triage",
        json={"text": "ghar mein aag lag gayi hai, ek aadmi andar phasa hai"},
        headers=token("operator"),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["category"] == "fire" and "medical" in body["secondary"] and body["priority"] == 1
    assert body["evidence"] and 0 < body["confidence"] <= 1


async def test_triage_bad_input(client: httpx.AsyncClient) -> None:
    op = token("operator")
    empty = await client.post("/api/v1/triage", json={"text": "   "}, headers=op)
    assert empty.status_code == 200 and empty.json()["needs_review"] is True
    long = await client.post("/api/v1/triage", json={"text": "aag " * 1001}, headers=op)
    assert long.status_code == 422 and "text" in long.json()["detail"]
    assert (await client.post("/api/v1/triage", json={}, headers=op)).status_code == 422
    assert (await client.post("/api/v1/triage", json={"text": 5}, headers=op)).status_code == 422
    assert (
        await client.post("/api/v1/triage", json={"text": "x"}, headers=token("analyst"))
    ).status_code == 403


def test_cli_triage_text_and_jsonl(db_url: str, tmp_path: object) -> None:
    done = run_cli(db_url, "triage", "मेरे घर में चोरी हो गई है")
    assert done.returncode == 0 and json.loads(done.stdout)["category"] == "police"
    source = ROOT_PATH / ".data" / "cli-triage.jsonl"
    source.parent.mkdir(exist_ok=True)
    source.write_text(
        json.dumps({"id": "a1", "text": "snake bite in the field"})
        + "\n\n"
        + "not json\n"
        + json.dumps({"id": "a2", "text": "bachcha kho gaya"})
        + "\n",
        encoding="utf-8",
    )
    done = run_cli(db_url, "triage", "--jsonl", str(source))
    lines = [json.loads(x) for x in done.stdout.splitlines()]
    assert done.returncode == 0
    assert [x.get("id") for x in lines] == ["a1", None, "a2"]
    assert lines[0]["category"] == "medical" and lines[2]["category"] == "child"
    assert "error" in lines[1]
