"""Use cases: calculate, explain, import, adjudicate, pay, report. They orchestrate; rules live in domain."""
