enum E {
  A,
  B,
  C,
  D = 4,
}
