"""The one way to GitHub: REST (PyGithub) and GraphQL (httpx), counted, retried, redacted."""
