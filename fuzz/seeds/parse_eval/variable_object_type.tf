variable "complex" {
  type = object({
    name = string
    tags = map(string)
    opt = optional(number, 5)
  })
  default = null
  validation {
    condition = length(var.complex.name) > 0
    error_message = "Name required."
  }
}
