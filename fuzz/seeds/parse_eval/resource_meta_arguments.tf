resource "aws_instance" "x" {
  count = var.enabled ? 1 : 0
  tags = merge(var.tags, {
    Name = "x"
  })

  lifecycle {
    ignore_changes = [tags["x"], ami]
    precondition {
      condition = var.x > 0
      error_message = "x"
    }
  }

  provisioner "local-exec" {
    command = <<EOC
echo ${self.id}
EOC
  }
  depends_on = [
    aws_vpc.main,
  ]
}
