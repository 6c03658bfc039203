"""First stage: a ResNet50 screens every slice for tumor at a sensitivity-first operating point."""
