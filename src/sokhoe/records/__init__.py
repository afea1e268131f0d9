"""The health book's records (issue 6): visits at health facilities, starting with the
check-in that reception records when a patient presents a valid BHYT card (R7)."""
