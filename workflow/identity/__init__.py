"""Who is acting and what they may do: roles, users, API tokens, page sessions and credentials at
rest."""
