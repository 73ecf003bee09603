"""Triage on demand: what the classifier says of a text, with no side effects."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from app.dispatch.triage import classify
from app.errors import Invalid
from app.routers.deps import Operator, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["triage"])


class TriageRequest(BaseModel):
    """The caller's words as the call-taker typed them."""

    model_config = ConfigDict(extra="forbid")
    text: str


class TriageRead(BaseModel):
    """Which service to send, what else is needed, how urgent, and why."""

    category: str | None
    secondary: list[str]
    priority: int
    confidence: float
    evidence: list[str]
    needs_review: bool


@router.post("/triage", response_model=TriageRead)
async def triage(body: TriageRequest, settings: SettingsDep, principal: Operator) -> dict[str, Any]:
    """Classify a call's text into police, fire, medical, women or child, with priority and evidence."""
    # async on purpose: classification takes well under a millisecond, less than a thread-pool hop.
    if len(body.text) > settings.max_text_length:
        raise Invalid(f"text: longer than {settings.max_text_length} characters ({len(body.text)})")
    return classify(body.text).to_dict()
