locals {
  a = 1
}
 	 