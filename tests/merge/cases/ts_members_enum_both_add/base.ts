enum E {
  A,
  B,
}
