"""The campaign (issue 7, R10–R15): phases, targets, guidance teams and their field visits."""
