"""Working a case: its moves, fear of return, assignment, transfer, notes, follow-ups; work lists."""
