resource "terraform_data" "a" {
  input = <<-EOT
      indented ${var.x}
        more
      EOT
  other = "v"
  policy = <<POLICY
{
  "Version": "2012-10-17"
}
POLICY
}
