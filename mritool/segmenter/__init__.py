"""Second stage: a ResUNet outlines the FLAIR abnormality on slices the classifier passes on."""
