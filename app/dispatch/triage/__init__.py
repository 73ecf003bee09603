"""Multilingual triage of 112 call texts into police, fire, medical, women and child services."""

from .classifier import Triage, classify
from .lexicon import SERVICES

__all__ = ["SERVICES", "Triage", "classify"]
