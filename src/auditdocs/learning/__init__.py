"""Learning from audits (issue 26): themes, the session pack, the organisational learning log, the improvement
plan and the bulletin."""
