"""The citizen register: provinces, communes, villages, citizens, households, guardians."""
