resource "a" "b" {
  x = "ÿþ"
}
