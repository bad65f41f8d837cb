# Leading comment
   # indented comment
variable "x" {   # trailing on header
  type = string # the type
  default = "a"   # the default
  # a full line comment inside
    description = "long description" # describe
}
