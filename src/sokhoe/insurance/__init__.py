"""BHYT cards: BHXH's valid-card list, integration into the e-ID wallet."""
