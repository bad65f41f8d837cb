a = 1
bb = 2 # c
ccc = [1,
  2]
dddd = 4
/* c */
e = 5
