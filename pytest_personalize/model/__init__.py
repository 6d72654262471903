"""What the service is: its botocore model, the rules the model lacks, validation and templates."""
