"""Status reports from the board: the weekly digest, the monthly review, the job summary."""
