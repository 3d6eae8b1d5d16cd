"""Dataset statistics: Krippendorff's alpha, kappas, annotator reliability and Dawid-Skene."""
