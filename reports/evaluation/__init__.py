"""Targets and the monthly evaluation (考核) of customer managers and order clerks."""
