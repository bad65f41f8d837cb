resource "terraform_data" "x" {
  input = "a"
  lifecycle {
    ignore_changes = [output]
  }
}
