package demo

import scala.util.Try

/** Parses numbers. */
object Parser {
  val Limit = 10

  def ok(s: String): Int = s.trim.toInt

  def broken(s: String): Int = {
    val x = (s.length + * 2
    x
  }

  def after(s: String): Option[Int] = Try(ok(s)).toOption
}

class Tail {
  def last: Int = 1
}
