locals {
  script = <<EOT
#!/bin/bash
   echo "hello ${ var.name }"
	tabbed   
EOT
  x = 1
}
