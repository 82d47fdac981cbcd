package com.example.shop

import java.util.UUID
import kotlin.math.max

class Cart(val owner: String) {
    private val items = mutableListOf<Item>()
    val id: String = UUID.randomUUID().toString()

    fun add(item: Item): Cart {
        items.add(item)
        return this
    }

    fun size(): Int = items.sumOf { it.qty }
    fun isEmpty(): Boolean = items.isEmpty()

    fun total(): Long {
        var sum = 0L
        for (item in items) {
            sum += item.price * max(item.qty, 0)
        }
        return sum
    }

    companion object {
        const val LIMIT = 50

        fun empty(owner: String): Cart = Cart(owner)
        fun guest(): Cart = Cart("guest")
        fun demo(): Cart = Cart("demo").add(Item("X1", 1, 100))
    }
}

data class Item(val sku: String, val qty: Int, val price: Long)
