resource "aws_security_group" "sg" {
name = "sg"
ingress {
from_port = 22
to_port = 22
cidr_blocks = ["0.0.0.0/0"]
    dynamic "x" {
for_each = var.things
  content {
  value = x.value
  }
}
}
}
