"""`make bench`: speed targets of every issue, each measured against a baseline in the same run."""
