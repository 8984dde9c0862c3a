"""What the tagged table means for a merchant: causes and fixes (`report`), risk (`risk`)."""
