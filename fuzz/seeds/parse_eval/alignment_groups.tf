locals {
  a = 1
  bbbbbb = 2

  cc = 3
  d = 4
  # a comment line
  eeeeeeeee = 5
  f = 6
  list = [
    1,
  ]
  g = 7
  hhhh = 8
}
