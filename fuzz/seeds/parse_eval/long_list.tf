locals {
  azs = ["us-east-1a","us-east-1b",   "us-east-1c","us-east-1d","us-east-1e","us-east-1f"]
  nested = [
  [1,2],
      [3,
  4],
  ]
  trailing = [
    "a",
    "b"
  ]
}
