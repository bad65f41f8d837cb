/* A block comment
   spanning lines
*/
locals {
  /* inline */ a = 1
  b = /* before value */ 2
  ccc = 3 /* after */
      /*
       * starred
       */
  d = 4
}
