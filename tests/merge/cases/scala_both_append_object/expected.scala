package app.geometry

import scala.math.sqrt
import scala.util.Try

trait Shape {
  def area: Double
  def perimeter: Double
  def name: String = getClass.getSimpleName
}

final case class Circle(r: Double) extends Shape {
  def area: Double = math.Pi * r * r
  def perimeter: Double = 2 * math.Pi * r
}

final case class Rect(w: Double, h: Double) extends Shape {
  def area: Double = w * h
  def perimeter: Double = 2 * (w + h)
}

object Shapes {
  val unit: Shape = Rect(1, 1)

  def parse(s: String): Option[Shape] = s.split(":").toList match {
    case "circle" :: r :: Nil  => Try(Circle(r.toDouble)).toOption
    case "rect" :: w :: h :: Nil => Try(Rect(w.toDouble, h.toDouble)).toOption
    case _                     => None
  }

  def totalArea(xs: Seq[Shape]): Double = xs.map(_.area).sum
  def largest(xs: Seq[Shape]): Option[Shape] = xs.maxByOption(_.area)
  def smallest(xs: Seq[Shape]): Option[Shape] = xs.minByOption(_.area)
  def average(xs: Seq[Shape]): Double = if (xs.isEmpty) 0 else totalArea(xs) / xs.size
}
