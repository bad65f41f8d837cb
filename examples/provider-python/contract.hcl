# The contract tests of the Python notes plugin:
#   gitform provider test -plugin=examples/provider-python/gitform-provider-notes \
#     -contract=examples/provider-python/contract.hcl

provider {
  directory = "${path.root}/notes"
}

resource "notes_note" "todo" {
  create {
    name = "todo"
    body = "Buy milk"
    tags = ["home"]
  }
  update {
    name     = "todo"
    body     = "Buy milk and bread"
    tags     = ["home", "shopping"]
    priority = 3
    secret   = "the shop's door code is 1234"
  }
  update {
    name     = "todo"
    body     = "Buy milk and bread"
    priority = 12345678901234567890
  }
  replace {
    name = "todo-later"
    body = "Buy milk and bread"
  }
  import {
    id = self.name
  }
  invalid {
    name = "Not A Name"
    body = "x"
  }
  invalid {
    name     = "ok"
    body     = "x"
    priority = 2.5
  }
  invalid {
    name = "ok"
    body = "x"
    tags = [""]
  }
  data "notes_note" "todo" {
    name = self.name
  }
}
