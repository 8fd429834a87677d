"""Webhook intake: verify, store durably, answer 202; the worker does the rest."""
