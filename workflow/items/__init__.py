"""The item: its row and locks, label schema, the pipeline that evaluates it, and the decisions and
canonical expectation it ends in."""
