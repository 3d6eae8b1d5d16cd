"""The `quorum` command line: the outermost edge, which nothing else of Quorum imports."""
