"""Sparring: availability slots, sparring and bout requests between boxers of any clubs,
partner suggestions. Who may do what is decided by permissions ("acts for" a boxer)."""
