locals {
  a = 1 # one
  bbb = 22 # two
  cc = [1, 2] # three

  d = "x" // four
  eeeee = "y"
  f = "z" # five
}
