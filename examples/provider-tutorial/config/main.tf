terraform {
  required_providers {
    tutorial = {
      source = "example/tutorial"
    }
  }
}

resource "tutorial_file" "hello" {
  path    = "${path.module}/hello.txt"
  content = "Hello from my first plugin!\n"
}

output "size" {
  value = tutorial_file.hello.size
}
