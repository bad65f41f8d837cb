resource aws_instance web {
  ami = "x"
}
provider aws {
  region = "us-east-1"
}
