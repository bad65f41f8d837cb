region = "us-east-1"
instance_count = 3
tags = {
  Team = "x"
  CostCenter = "y"
}
enabled=true
