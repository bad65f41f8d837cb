locals {
  tags = {
    Name = "x"
    Environment = "prod"
    "quoted-key" = 1
    nested = { a = 1, b = 2 }
    other = {
      deep = true
    }
  }
  inline = {a=1,b=2}
  colon = { a: 1, b: 2 }
}
