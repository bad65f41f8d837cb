// top comment
variable "y" {
  // inside
  default = 1 // trailing
  sensitive = false    //other
}
