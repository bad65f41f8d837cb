variable "a" {}
variable "b" {   }
variable "c" { default = 1 }
resource "x" "y" { create_before_destroy = true }
