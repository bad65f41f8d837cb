provider {}

resource "tutorial_file" "hello" {
  create {
    path    = "${path.root}/hello.txt"
    content = "Hello"
  }
  update {
    path    = "${path.root}/hello.txt"
    content = "Hello, world"
  }
  replace {
    path    = "${path.root}/greeting.txt"
    content = "Hello, world"
  }
  import {
    id = self.path
  }
  invalid {
    path    = "${path.root}/"
    content = "a directory?"
  }
}
