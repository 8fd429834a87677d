"""What boardwatch knows of GitHub as typed values (issues, boards, items, markers); no I/O."""
