"""Where the month stands and what to chase (`plan`, pure: the register's audits in, the views out)."""
