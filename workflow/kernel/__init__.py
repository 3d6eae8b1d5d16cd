"""The shared vocabulary: the unit of work, errors, ids, item states, entities, value checks and
settings; imports nothing above it."""
