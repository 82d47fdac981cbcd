package com.example.shop

import scala.collection.mutable
import scala.concurrent.{Future, ExecutionContext => EC, _}
import java.util.{List => JList}
import com.example.util._

/** Maximum number of items in one cart. */
val MaxItems = 100

var counter = 0

type Price = BigDecimal

/** A line in a cart.
  *
  * @param sku the product code
  */
case class Item(sku: String, qty: Int, price: Price) {
  def total: Price = price * qty
}

/** Something that can be priced. */
trait Priced {
  def price: Price
  def discounted(pct: Int): Price = price * (100 - pct) / 100
}

@deprecated("use Cart2", "1.2")
class Cart(owner: String) extends Priced {
  private val items = mutable.ListBuffer.empty[Item]
  protected var locked = false

  // add one item, refusing when full
  def add(item: Item): Boolean = {
    if (items.size >= MaxItems) false
    else {
      items += item
      log(s"added ${item.sku}")
      true
    }
  }

  override def price: Price = items.map(_.total).sum

  private def log(msg: String): Unit = println(msg)

  class Summary {
    def lines: Int = items.size
  }
}

object Cart {
  val Empty = new Cart("nobody")

  def apply(owner: String): Cart = new Cart(owner)

  def fromItems(owner: String, xs: Seq[Item]): Cart = {
    val c = Cart(owner)
    xs.foreach(c.add)
    c
  }
}

enum Status {
  case Open, Paid
  case Shipped(tracking: String)

  def isDone: Boolean = this != Open
}

abstract class Repository[K, V] {
  def get(key: K): Option[V]
  def put(key: K, value: V): Unit
}

package internal {
  object Checkout {
    def run(cart: Cart)(implicit ec: EC): Future[Int] = {
      Future(cart.price.toInt).map(_ + 1)
    }
  }
}

def main(args: Array[String]): Unit = {
  val cart = Cart.fromItems("ann", Seq(Item("a1", 2, 10)))
  println(cart.price)
}
