"""Public review and voting: the gallery, objections, verified voters, the vote ledger and its results."""
