"""Dial112: back end for India's 112 emergency control rooms."""
