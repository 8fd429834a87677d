"""Slash commands: `/estimate 3h`, `/status In Progress`, ... written in issues and comments."""
