"""Fixtures of the public stage (a campaign taking votes, shortlisted nominees) shared with tests/voting."""
from tests.voting.conftest import make_nominee, make_voter, voting_campaign  # noqa: F401
