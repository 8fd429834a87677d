"""First-run setup: create the GitHub App from a manifest, store its credentials."""
