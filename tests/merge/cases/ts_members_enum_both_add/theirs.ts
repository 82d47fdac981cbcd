enum E {
  A,
  B,
  D = 4,
}
