# The contract tests of the sqlite example plugin:
#   gitform provider test -plugin=target/debug/gitform-provider-sqlite -contract=examples/provider-sqlite/contract.hcl
# The database lives in the run's scratch directory (path.root).

provider {
  path = "${path.root}/contract.sqlite"
}

resource "sqlite_item" "motd" {
  create {
    table = "settings"
    key   = "motd"
    value = "Hello"
  }
  update {
    table = "settings"
    key   = "motd"
    value = "Hello, world"
    tags  = { owner = "ops", tier = "1" }
  }
  update {
    table = "settings"
    key   = "motd"
    value = "Hello, world"
    tags  = { owner = "platform" }
  }
  replace {
    table = "settings"
    key   = "banner"
    value = "Hello, world"
  }
  import {
    id = self.id
  }
  invalid {
    table = "drop table x; --"
    key   = "k"
    value = "v"
  }
  invalid {
    key   = ""
    value = "v"
  }
  invalid {
    key   = "k"
    value = "v"
    tags  = { "" = "empty name" }
  }
  data "sqlite_item" "motd" {
    table = self.table
    key   = self.key
  }
}

# The default table, and import by key alone.
resource "sqlite_item" "plain" {
  create {
    key   = "greeting"
    value = "hi"
    tags  = {}
  }
  update {
    key   = "greeting"
    value = "hi there"
    tags  = {}
  }
  import {
    id = self.key
  }
  invalid {
    key   = "line\nbreak"
    value = "v"
  }
}
