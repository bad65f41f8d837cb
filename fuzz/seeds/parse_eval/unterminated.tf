resource "a" "b" {
  x = 