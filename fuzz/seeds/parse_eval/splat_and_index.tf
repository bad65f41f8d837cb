output "ids" {
  value = aws_instance.web[*].id
  other = aws_instance.web.*.id
  first = aws_instance.web[0].id
  keyed = aws_instance.web["a"].id
  depends_on = [ aws_instance.web ]
}
